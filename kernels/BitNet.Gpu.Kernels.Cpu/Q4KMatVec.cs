using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Q4_K matrix × f32 vector (a Q4_K embedding used as the output projection), reading the 144-byte super-blocks as
/// they are: y[r] = Σ_c (d·scale·q − dmin·min)·x[c].
/// <para>
/// The SIMD path rounds x to int8 per 256 values once per call, as llama.cpp's Q8_K does (<see cref="BlockInt8Activations"/>),
/// and takes each super-block in integers: Σ_j scale_j·Σ q·xq (vpmaddubsw of the 4-bit codes and int8 x, then vpmaddwd
/// by the sub-block's scale) and Σ_j min_j·Σ xq_j (from the per-16 sums of x, the same for every row); a block then costs
/// two float multiply-adds. Rounding x to int16 instead (until 2026-12-02) needed the codes widened to 16 bits and ran
/// at 14 GB/s. The scalar path multiplies in float with x as is.
/// </para>
/// </summary>
public static unsafe class Q4KMatVec
{
    const int SubBlocks = Q4KMatrix.BlockValues / Q4KMatrix.SubBlockValues; // 8 a super-block

    /// <param name="x">Cols values.</param>
    /// <param name="y">Rows outputs, overwritten.</param>
    public static void Multiply(Q4KMatrix w, ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool) =>
        Multiply(w, x, y, pool, SimdSupport.Best);

    internal static void Multiply(Q4KMatrix w, ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool, SimdPath path)
    {
        ArgumentNullException.ThrowIfNull(w);
        SimdSupport.ThrowIfUnsupported(path);
        if (!SimdSupport.HasAvx2(path)) // 256 bits on AVX-512 too, as Q6KMatVec
        {
            Int16Rounding.MultiplyRows(w.Rows, w.Cols, x, y, pool, roundX: false,
                (r, xp, _, _) => DotRowScalar(w.RowBlocks(r), w.RowSuperScales(r), xp, w.Cols));
            return;
        }
        if (x.Length != w.Cols) throw new ArgumentException($"Expected {w.Cols} inputs, got {x.Length}.", nameof(x));
        using var rounded = BlockInt8Activations.Round(x);
        var subBlockSums = (short*)NativeMemory.AlignedAlloc((nuint)(w.Cols / Q4KMatrix.SubBlockValues * sizeof(short)), 64);
        try
        {
            SumSubBlocks(rounded, subBlockSums);
            Int16Rounding.MultiplyRows(w.Rows, w.Cols, x, y, pool, roundX: false,
                (r, _, _, _) => DotRowAvx2(w.RowBlocks(r), w.RowSuperScales(r), rounded, subBlockSums, w.BlocksPerRow));
        }
        finally
        {
            NativeMemory.AlignedFree(subBlockSums);
        }
    }

    /// <summary>Σ xq per 32-value sub-block: two of the per-16 sums (|Σ| ≤ 4064).</summary>
    static void SumSubBlocks(BlockInt8Activations x, short* sums)
    {
        for (int j = 0; j < x.Cols / Q4KMatrix.SubBlockValues; j++)
            sums[j] = (short)(x.Sums[2 * j] + x.Sums[2 * j + 1]);
    }

    // Σ_c W[r, c]·x[c], the weights read one at a time from the layout
    static float DotRowScalar(byte* blocks, float* superScales, float* x, int cols)
    {
        float sum = 0;
        for (int c = 0; c < cols; c++) sum += Q4KMatrix.Weight(blocks, superScales, c) * x[c];
        return sum;
    }

    // Σ_b step_b·(d_b·Σ_j scale_j·(Σ_{c in j} q_c·xq_c) − dmin_b·Σ_j min_j·(Σ_{c in j} xq_c)), the inner sums exact in int32
    static float DotRowAvx2(byte* blocks, float* superScales, BlockInt8Activations x, short* subBlockSums, int blockCount)
    {
        var low4 = Vector256.Create((byte)0x0F);
        Vector256<float> scaled = default;
        Vector128<float> offsets = default;
        byte* scaleCodes = stackalloc byte[16]; // 8 scales then 8 mins of one super-block
        for (int b = 0; b < blockCount; b++)
        {
            byte* block = blocks + (long)b * Q4KMatrix.BlockBytes;
            UnpackScales(block + Q4KMatrix.ScalesOffset, scaleCodes);
            sbyte* xq = x.Codes + b * Q4KMatrix.BlockValues;
            var sums = Vector256<int>.Zero;
            for (int chunk = 0; chunk < 4; chunk++)
            {
                var packed = Vector256.Load(block + Q4KMatrix.QsOffset + 32 * chunk);
                var lowCodes = packed & low4;                                                 // sub-block 2·chunk
                var highCodes = Avx2.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & low4; // sub-block 2·chunk + 1
                sums += SubBlockSum(lowCodes, xq + 64 * chunk, scaleCodes[2 * chunk])
                      + SubBlockSum(highCodes, xq + 64 * chunk + 32, scaleCodes[2 * chunk + 1]);
            }
            float step = x.Steps[b];
            scaled = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(sums), Vector256.Create(superScales[2 * b] * step), scaled);
            // Σ_j min_j·Σ xq_j: eight int16 products summed in pairs
            var mins = Sse41.ConvertToVector128Int16(scaleCodes + 8);
            var minSums = Sse2.MultiplyAddAdjacent(mins, Vector128.Load(subBlockSums + SubBlocks * b));
            offsets = Vector128.FusedMultiplyAdd(Sse2.ConvertToVector128Single(minSums), Vector128.Create(superScales[2 * b + 1] * step), offsets);
        }
        return Vector256.Sum(scaled) - Vector128.Sum(offsets);
    }

    /// <summary>
    /// One sub-block's 32 codes (0..15) against its 32 xq, times its scale (0..63): eight int32 partial sums.
    /// |q·x| pairs ≤ 15·127·2 fit int16; a block's int32 lanes stay under 2^23.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> SubBlockSum(Vector256<byte> codes, sbyte* x, byte scale) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(codes, Vector256.Load(x)), Vector256.Create((short)scale));

    /// <summary>
    /// The 12 packed bytes to 8 scales then 8 mins, a byte each (<see cref="Q4KMatrix.ScaleAndMin"/> for all eight at
    /// once): with words a, b, c = bytes 0-3, 4-7, 8-11, scales 0-3 are a's low 6 bits, mins 0-3 b's, scales 4-7 c's low
    /// nibbles under a's top 2 bits, mins 4-7 c's high nibbles under b's top 2 bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // called once a super-block: a call spilled the block loop's registers
    static void UnpackScales(byte* packed, byte* codes)
    {
        uint a = *(uint*)packed, b = *(uint*)(packed + 4), c = *(uint*)(packed + 8);
        *(uint*)codes = a & 0x3F3F3F3F;
        *(uint*)(codes + 4) = (c & 0x0F0F0F0F) | ((a >> 2) & 0x30303030);
        *(uint*)(codes + 8) = b & 0x3F3F3F3F;
        *(uint*)(codes + 12) = ((c >> 4) & 0x0F0F0F0F) | ((b >> 2) & 0x30303030);
    }
}
