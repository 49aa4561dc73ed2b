using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Q6_K matrix × f32 vector (a Q6_K output projection), reading the 210-byte super-blocks as they are:
/// y[r] = Σ_c d·scale·(q − 32)·x[c].
/// <para>
/// The SIMD path rounds x to int16 once per call (x ≈ step·xq, step = max|x| / 32767, so the error of a term is under
/// 2^-16 of max|x|), takes each group of 16 products exactly in integers (vpmaddwd) and applies the group's float scale
/// to that sum. llama.cpp rounds x to 8 bits here; this keeps 16. The scalar path multiplies in float with x as is.
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
        bool simd = path is SimdPath.Avx2 or SimdPath.Avx512; // 256 bits on AVX-512 too: nothing here needs wider
        Int16Rounding.MultiplyRows(w.Rows, w.Cols, x, y, pool, roundX: simd, (r, xp, xq, step) => simd
            ? step * DotRowAvx2(w.RowBlocks(r), w.RowBlockScales(r), xq, w.BlocksPerRow)
            : DotRowScalar(w.RowBlocks(r), w.RowBlockScales(r), xp, w.Cols));
    }

    // Σ_c W[r, c]·x[c], the weights read one at a time from the layout
    static float DotRowScalar(byte* blocks, float* blockScales, float* x, int cols)
    {
        float sum = 0;
        for (int c = 0; c < cols; c++) sum += Q6KMatrix.Weight(blocks, blockScales, c) * x[c];
        return sum;
    }

    // Σ_b Σ_g d_b·scale_g · (Σ_{c in g} (q_c − 32)·xq_c); the caller multiplies by step
    static float DotRowAvx2(byte* blocks, float* blockScales, short* xq, int blockCount)
    {
        var low4 = Vector256.Create((byte)0x0F);
        var bits45 = Vector256.Create((byte)0x30);
        var bias = Vector256.Create((byte)32);
        Vector256<float> even = default, odd = default; // groups 0, 2, ... and 1, 3, ...: two FMA chains
        float* groupScales = stackalloc float[16];
        for (int b = 0; b < blockCount; b++)
        {
            byte* block = blocks + (long)b * Q6KMatrix.BlockBytes;
            GroupScales(block, blockScales[b], groupScales);
            short* x = xq + b * Q6KMatrix.BlockValues;
            for (int half = 0; half < 2; half++)
            {
                var low = Vector256.Load(block + 64 * half);       // ql[l]: values l (low nibble) and l + 64 (high nibble)
                var lowNext = Vector256.Load(block + 64 * half + 32); // ql[l + 32]: values l + 32 and l + 96
                var high = Vector256.Load(block + Q6KMatrix.QhOffset + 32 * half); // qh[l]: 2 bits for each of the four
                // q = low nibble | (2 high bits) << 4, then − 32; 16-bit shifts spill across bytes only into masked-off bits
                var q0 = ((low & low4) | (Avx2.ShiftLeftLogical(high.AsUInt16(), 4).AsByte() & bits45)) - bias;
                var q1 = ((lowNext & low4) | (Avx2.ShiftLeftLogical(high.AsUInt16(), 2).AsByte() & bits45)) - bias;
                var q2 = ((Avx2.ShiftRightLogical(low.AsUInt16(), 4).AsByte() & low4) | (high & bits45)) - bias;
                var q3 = ((Avx2.ShiftRightLogical(lowNext.AsUInt16(), 4).AsByte() & low4) | (Avx2.ShiftRightLogical(high.AsUInt16(), 2).AsByte() & bits45)) - bias;
                float* scales = groupScales + 8 * half;
                short* xh = x + 128 * half;
                AddGroups(q0.AsSByte(), xh, scales, ref even, ref odd);
                AddGroups(q1.AsSByte(), xh + 32, scales + 2, ref even, ref odd);
                AddGroups(q2.AsSByte(), xh + 64, scales + 4, ref even, ref odd);
                AddGroups(q3.AsSByte(), xh + 96, scales + 6, ref even, ref odd);
            }
        }
        return Vector256.Sum(even + odd);
    }

    /// <summary>The 16 group scales d · scale of a super-block.</summary>
    static void GroupScales(byte* block, float d, float* groupScales)
    {
        var scale = Vector256.Create(d);
        (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32((sbyte*)block + Q6KMatrix.ScalesOffset)) * scale).Store(groupScales);
        (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32((sbyte*)block + Q6KMatrix.ScalesOffset + 8)) * scale).Store(groupScales + 8);
    }

    /// <summary>Two groups of 16 codes (one vector of 32) against their 32 xq: each group's exact integer sum times its scale.</summary>
    static void AddGroups(Vector256<sbyte> codes, short* x, float* scales, ref Vector256<float> even, ref Vector256<float> odd)
    {
        var first = Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(codes.GetLower()), Vector256.Load(x));
        var second = Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(codes.GetUpper()), Vector256.Load(x + 16));
        even = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(first), Vector256.Create(scales[0]), even);
        odd = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(second), Vector256.Create(scales[1]), odd);
    }
}
