using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Q6_K matrix × f32 vector (a Q6_K output projection), reading the 210-byte super-blocks as they are:
/// y[r] = Σ_c d·scale·(q − 32)·x[c].
/// <para>
/// The SIMD path rounds x to int8 per 256 values once per call, as llama.cpp's Q8_K does (<see cref="BlockInt8Activations"/>),
/// and takes each super-block's sum exactly in integers: vpmaddubsw (6-bit codes × int8 x), vpmaddwd by the 16 int8
/// scales, and −32·Σ_g scale_g·Σ x_g for the codes' offset from the per-16 sums, so a block costs one float multiply-add.
/// Rounding x to int16 instead (until 2026-12-02) needed sign extensions and twice the multiplies, and left a core at
/// 11 GB/s, half its memory's speed. The scalar path multiplies in float with x as is.
/// </para>
/// </summary>
public static unsafe class Q6KMatVec
{
    /// <param name="x">Cols values.</param>
    /// <param name="y">Rows outputs, overwritten.</param>
    public static void Multiply(Q6KMatrix w, ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool) =>
        Multiply(w, x, y, pool, SimdSupport.Best);

    internal static void Multiply(Q6KMatrix w, ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool, SimdPath path)
    {
        ArgumentNullException.ThrowIfNull(w);
        SimdSupport.ThrowIfUnsupported(path);
        if (!SimdSupport.HasAvx2(path)) // 256 bits on AVX-512 too: nothing here needs wider
        {
            Int16Rounding.MultiplyRows(w.Rows, w.Cols, x, y, pool, roundX: false,
                (r, xp, _, _) => DotRowScalar(w.RowBlocks(r), w.RowBlockScales(r), xp, w.Cols));
            return;
        }
        if (x.Length != w.Cols) throw new ArgumentException($"Expected {w.Cols} inputs, got {x.Length}.", nameof(x));
        using var rounded = BlockInt8Activations.Round(x);
        Int16Rounding.MultiplyRows(w.Rows, w.Cols, x, y, pool, roundX: false,
            (r, _, _, _) => DotRowAvx2(w.RowBlocks(r), w.RowBlockScales(r), rounded, w.BlocksPerRow));
    }

    // Σ_c W[r, c]·x[c], the weights read one at a time from the layout
    static float DotRowScalar(byte* blocks, float* blockScales, float* x, int cols)
    {
        float sum = 0;
        for (int c = 0; c < cols; c++) sum += Q6KMatrix.Weight(blocks, blockScales, c) * x[c];
        return sum;
    }

    // Σ_b d_b·step_b · Σ_g scale_g·(Σ_{c in g} (q_c − 32)·xq_c), the inner double sum exact in int32
    static float DotRowAvx2(byte* blocks, float* blockScales, BlockInt8Activations x, int blockCount)
    {
        var low4 = Vector256.Create((byte)0x0F);
        var bits45 = Vector256.Create((byte)0x30);
        Vector256<byte> pair0 = ScalePairIndex(0), pair1 = ScalePairIndex(1), pair2 = ScalePairIndex(2), pair3 = ScalePairIndex(3);
        Vector256<float> total = default;
        for (int b = 0; b < blockCount; b++)
        {
            byte* block = blocks + (long)b * Q6KMatrix.BlockBytes;
            sbyte* xq = x.Codes + b * Q6KMatrix.BlockValues;
            var scales = Avx2.ConvertToVector256Int16((sbyte*)block + Q6KMatrix.ScalesOffset); // the 16 group scales
            // Scales 0–7 (half 0) and 8–15 (half 1), each in both lanes; immediates must be constants, or the JIT calls a helper
            var lowScales = Avx2.Permute2x128(scales, scales, 0x00);
            var highScales = Avx2.Permute2x128(scales, scales, 0x11);
            var sums = Vector256<int>.Zero;
            for (int half = 0; half < 2; half++)
            {
                var low = Vector256.Load(block + 64 * half);       // ql[l]: values l (low nibble) and l + 64 (high nibble)
                var lowNext = Vector256.Load(block + 64 * half + 32); // ql[l + 32]: values l + 32 and l + 96
                var high = Vector256.Load(block + Q6KMatrix.QhOffset + 32 * half); // qh[l]: 2 bits for each of the four
                // q = low nibble | (2 high bits) << 4 (0..63); 16-bit shifts spill across bytes only into masked-off bits
                var q0 = (low & low4) | (Avx2.ShiftLeftLogical(high.AsUInt16(), 4).AsByte() & bits45);
                var q1 = (lowNext & low4) | (Avx2.ShiftLeftLogical(high.AsUInt16(), 2).AsByte() & bits45);
                var q2 = (Avx2.ShiftRightLogical(low.AsUInt16(), 4).AsByte() & low4) | (high & bits45);
                var q3 = (Avx2.ShiftRightLogical(lowNext.AsUInt16(), 4).AsByte() & low4) | (Avx2.ShiftRightLogical(high.AsUInt16(), 2).AsByte() & bits45);
                var halfScales = half == 0 ? lowScales : highScales;
                sbyte* xh = xq + 128 * half;
                sums += GroupPairSum(q0, xh, Avx2.Shuffle(halfScales.AsByte(), pair0))
                      + GroupPairSum(q1, xh + 32, Avx2.Shuffle(halfScales.AsByte(), pair1))
                      + GroupPairSum(q2, xh + 64, Avx2.Shuffle(halfScales.AsByte(), pair2))
                      + GroupPairSum(q3, xh + 96, Avx2.Shuffle(halfScales.AsByte(), pair3));
            }
            // The codes' offset: Σ_g scale_g·32·Σ xq_g, with the per-16 sums lined up with the scales
            var offsets = Avx2.MultiplyAddAdjacent(scales, Vector256.Load(x.Sums + b * (Q6KMatrix.BlockValues / BlockInt8Activations.SumValues)));
            var exact = sums - Avx2.ShiftLeftLogical(offsets, 5);
            total = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(exact), Vector256.Create(blockScales[b] * x.Steps[b]), total);
        }
        return Vector256.Sum(total);
    }

    /// <summary>
    /// Groups 8h + 2g and 8h + 2g + 1 (32 codes, 16 each) against their 32 xq, each pair of products times its group's
    /// scale (<paramref name="pairScales"/>: the first in the low lane, the second in the high): eight int32 partial sums.
    /// |q·x| pairs ≤ 63·127·2 fit int16; a block's int32 lanes stay under 2^26.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> GroupPairSum(Vector256<byte> codes, sbyte* x, Vector256<byte> pairScales) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(codes, Vector256.Load(x)), pairScales.AsInt16());

    /// <summary>vpshufb indices putting int16 scale 2g of a lane in every int16 of the low lane and scale 2g + 1 in the high lane.</summary>
    static Vector256<byte> ScalePairIndex(int g)
    {
        var first = Vector128.Create((byte)(4 * g), (byte)(4 * g + 1), (byte)(4 * g), (byte)(4 * g + 1), (byte)(4 * g), (byte)(4 * g + 1),
            (byte)(4 * g), (byte)(4 * g + 1), (byte)(4 * g), (byte)(4 * g + 1), (byte)(4 * g), (byte)(4 * g + 1), (byte)(4 * g), (byte)(4 * g + 1),
            (byte)(4 * g), (byte)(4 * g + 1));
        return Vector256.Create(first, first + Vector128.Create((byte)2));
    }
}
