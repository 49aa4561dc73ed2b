using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Q4_K matrix × f32 vector (a Q4_K embedding used as the output projection), reading the 144-byte super-blocks as
/// they are: y[r] = Σ_c (d·scale·q − dmin·min)·x[c].
/// <para>
/// The SIMD path rounds x to int16 once per call, as <see cref="Q6KMatVec"/> does, and splits each 32-value sub-block j
/// into d·scale_j · Σ q·xq (an exact integer sum, vpmaddwd) − dmin·min_j · Σ xq; the sums Σ xq are the same for every
/// row, so they are taken once per call. The scalar path multiplies in float with x as is.
/// </para>
/// </summary>
public static unsafe class Q4KMatVec
{
    /// <param name="x">Cols values.</param>
    /// <param name="y">Rows outputs, overwritten.</param>
    public static void Multiply(Q4KMatrix w, ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool) =>
        Multiply(w, x, y, pool, SimdSupport.Best);

    internal static void Multiply(Q4KMatrix w, ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool, SimdPath path)
    {
        ArgumentNullException.ThrowIfNull(w);
        SimdSupport.ThrowIfUnsupported(path);
        bool simd = path is SimdPath.Avx2 or SimdPath.Avx512; // 256 bits on AVX-512 too, as Q6KMatVec
        int subBlocks = w.Cols / Q4KMatrix.SubBlockValues;
        var xqSums = (int*)NativeMemory.AlignedAlloc((nuint)subBlocks * sizeof(int), 64); // Σ xq per sub-block
        try
        {
            Int16Rounding.MultiplyRows(w.Rows, w.Cols, x, y, pool, roundX: simd, (r, xp, xq, step) => simd
                ? step * DotRowAvx2(w.RowBlocks(r), w.RowSuperScales(r), xq, xqSums, w.BlocksPerRow)
                : DotRowScalar(w.RowBlocks(r), w.RowSuperScales(r), xp, w.Cols),
                afterRounding: xq => SumSubBlocks((short*)xq, subBlocks, xqSums));
        }
        finally
        {
            NativeMemory.AlignedFree(xqSums);
        }
    }

    static void SumSubBlocks(short* xq, int subBlocks, int* sums)
    {
        for (int j = 0; j < subBlocks; j++)
        {
            int sum = 0;
            for (int l = 0; l < Q4KMatrix.SubBlockValues; l++) sum += xq[Q4KMatrix.SubBlockValues * j + l];
            sums[j] = sum;
        }
    }

    // Σ_c W[r, c]·x[c], the weights read one at a time from the layout
    static float DotRowScalar(byte* blocks, float* superScales, float* x, int cols)
    {
        float sum = 0;
        for (int c = 0; c < cols; c++) sum += Q4KMatrix.Weight(blocks, superScales, c) * x[c];
        return sum;
    }

    // Σ_b d_b·Σ_j scale_j·(Σ_{c in j} q_c·xq_c) − dmin_b·Σ_j min_j·(Σ_{c in j} xq_c); the caller multiplies by step
    static float DotRowAvx2(byte* blocks, float* superScales, short* xq, int* xqSums, int blockCount)
    {
        var low4 = Vector256.Create((byte)0x0F);
        Vector256<float> scaled = default, offsets = default; // the two terms, summed across lanes at the end
        byte* scaleCodes = stackalloc byte[16];               // 8 scales then 8 mins of one super-block
        float* scales = stackalloc float[8];
        for (int b = 0; b < blockCount; b++)
        {
            byte* block = blocks + (long)b * Q4KMatrix.BlockBytes;
            UnpackScales(block + Q4KMatrix.ScalesOffset, scaleCodes);
            Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(scaleCodes)).Store(scales);
            var mins = Avx2.ConvertToVector256Int32(scaleCodes + 8);
            var sums = Vector256.Load(xqSums + b * (Q4KMatrix.BlockValues / Q4KMatrix.SubBlockValues));
            offsets = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(mins * sums), Vector256.Create(superScales[2 * b + 1]), offsets);

            short* x = xq + b * Q4KMatrix.BlockValues;
            Vector256<float> even = default, odd = default; // sub-blocks 0, 2, ... and 1, 3, ...: two FMA chains
            for (int chunk = 0; chunk < 4; chunk++)
            {
                var packed = Vector256.Load(block + Q4KMatrix.QsOffset + 32 * chunk);
                var lowCodes = packed & low4;                                                 // sub-block 2·chunk
                var highCodes = Avx2.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & low4; // sub-block 2·chunk + 1
                even = Vector256.FusedMultiplyAdd(SubBlockDot(lowCodes, x + 64 * chunk), Vector256.Create(scales[2 * chunk]), even);
                odd = Vector256.FusedMultiplyAdd(SubBlockDot(highCodes, x + 64 * chunk + 32), Vector256.Create(scales[2 * chunk + 1]), odd);
            }
            scaled = Vector256.FusedMultiplyAdd(even + odd, Vector256.Create(superScales[2 * b]), scaled);
        }
        return Vector256.Sum(scaled) - Vector256.Sum(offsets);
    }

    /// <summary>
    /// The 12 packed bytes to 8 scales then 8 mins, a byte each (<see cref="Q4KMatrix.ScaleAndMin"/> for all eight at
    /// once): with words a, b, c = bytes 0-3, 4-7, 8-11, scales 0-3 are a's low 6 bits, mins 0-3 b's, scales 4-7 c's low
    /// nibbles under a's top 2 bits, mins 4-7 c's high nibbles under b's top 2 bits.
    /// </summary>
    static void UnpackScales(byte* packed, byte* codes)
    {
        uint a = *(uint*)packed, b = *(uint*)(packed + 4), c = *(uint*)(packed + 8);
        *(uint*)codes = a & 0x3F3F3F3F;
        *(uint*)(codes + 4) = (c & 0x0F0F0F0F) | ((a >> 2) & 0x30303030);
        *(uint*)(codes + 8) = b & 0x3F3F3F3F;
        *(uint*)(codes + 12) = ((c >> 4) & 0x0F0F0F0F) | ((b >> 2) & 0x30303030);
    }

    /// <summary>32 codes (0..15) against their 32 xq: eight exact int32 partial sums, as floats.</summary>
    static Vector256<float> SubBlockDot(Vector256<byte> codes, short* x)
    {
        var first = Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(codes.GetLower()), Vector256.Load(x));
        var second = Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(codes.GetUpper()), Vector256.Load(x + 16));
        return Avx.ConvertToVector256Single(first + second);
    }
}
