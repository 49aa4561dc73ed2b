using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// <see cref="F16MatMul"/>'s tiles over converted blocks: the tile's rows are converted <see cref="BlockCols"/> columns at a
/// time into floats in L1 by <see cref="ExactHalfLanes"/> (W · 2^-96, never a denormal; x · 2^48), once for every token
/// of the group, and each pair of tokens runs its fused multiply-adds over the block, its sums waiting in memory between
/// blocks.
/// </summary>
public static unsafe partial class F16MatMul
{
    /// <summary>Columns of the tile's rows converted at once: six rows × 512 floats (12 KB) stay in L1 for every pair of tokens.</summary>
    const int BlockCols = 512;

    /// <summary>
    /// Converts the tile's rows over columns [c0, c0 + width) into <paramref name="block"/>: row k at k·BlockCols, each
    /// chunk's even columns, then its odd ones (the order of the split x), as W · 2^-96.
    /// </summary>
    static void ConvertBlock(SimdPath path, Operands o, TileRows rows, int rowTile, int c0, int width, float* block)
    {
        for (int k = 0; k < rowTile; k++)
        {
            ushort* w = o.Row(rows[k]) + c0;
            float* converted = block + k * BlockCols;
            if (path == SimdPath.Avx512)
                for (int c = 0; c < width; c += 32)
                {
                    var lanes = Vector512.Load((int*)(w + c));
                    ExactHalfLanes.Even(lanes).Store(converted + c);
                    ExactHalfLanes.Odd(lanes).Store(converted + c + 16);
                }
            else
                for (int c = 0; c < width; c += 16)
                {
                    var lanes = Vector256.Load((int*)(w + c));
                    ExactHalfLanes.Even(lanes).Store(converted + c);
                    ExactHalfLanes.Odd(lanes).Store(converted + c + 8);
                }
        }
    }

    /// <summary>y[·, rows of the tile] for every token of the group on AVX-512: per block, two tokens at a time, then the odd one.</summary>
    /// <param name="sums">Per token t and row k: the even-column sum at 12t + 2k, the odd one at 12t + 2k + 1.</param>
    static void MultiplyBlockTile512(Operands o, TileRows rows, float* block, Vector512<float>* sums)
    {
        const int rowTile = 6;
        for (int i = 0; i < o.Tokens * rowTile * 2; i++) sums[i] = Vector512<float>.Zero;
        for (int c0 = 0; c0 < o.VectorCols; c0 += BlockCols)
        {
            int width = Math.Min(BlockCols, o.VectorCols - c0);
            ConvertBlock(SimdPath.Avx512, o, rows, rowTile, c0, width, block);
            int t = 0;
            for (; t + TokenTile <= o.Tokens; t += TokenTile)
                AccumulateTwoTokens512(block, width, o.SplitInput(t) + c0, o.SplitInput(t + 1) + c0, sums + t * rowTile * 2);
            if (t < o.Tokens) AccumulateOneToken512(block, width, o.SplitInput(t) + c0, sums + t * rowTile * 2);
        }
        for (int t = 0; t < o.Tokens; t++)
        {
            var s = sums + t * rowTile * 2;
            // per row as F16MatVec's reduction of even + odd
            var rows0To3 = FloatMath.SumEach(s[0] + s[1], s[2] + s[3], s[4] + s[5], s[6] + s[7]);
            var rows4And5 = FloatMath.SumEach(s[8] + s[9], s[10] + s[11], s[8] + s[9], s[10] + s[11]);
            for (int k = 0; k < 4; k++) o.Finish(t, rows[k], rows0To3[k]);
            o.Finish(t, rows[4], rows4And5[0]);
            o.Finish(t, rows[5], rows4And5[1]);
        }
    }

    /// <summary>Six converted rows × two tokens over one block: each load of x serves six rows, each row's load both tokens.</summary>
    // acc[k, t] += W[k, c..c+32]·x[t, c..c+32], as even and odd columns (F16MatVec's AVX-512 loop)
    static void AccumulateTwoTokens512(float* block, int width, float* x0, float* x1, Vector512<float>* sums)
    {
        Vector512<float>* s0 = sums, s1 = sums + 12; // token 0's and token 1's 12 sums
        // e{row}{token}, o{row}{token}: even- and odd-column sums
        Vector512<float> e00 = s0[0], o00 = s0[1], e10 = s0[2], o10 = s0[3], e20 = s0[4], o20 = s0[5];
        Vector512<float> e30 = s0[6], o30 = s0[7], e40 = s0[8], o40 = s0[9], e50 = s0[10], o50 = s0[11];
        Vector512<float> e01 = s1[0], o01 = s1[1], e11 = s1[2], o11 = s1[3], e21 = s1[4], o21 = s1[5];
        Vector512<float> e31 = s1[6], o31 = s1[7], e41 = s1[8], o41 = s1[9], e51 = s1[10], o51 = s1[11];
        for (int c = 0; c < width; c += 32)
        {
            var x0Even = Vector512.Load(x0 + c); var x0Odd = Vector512.Load(x0 + c + 16);
            var x1Even = Vector512.Load(x1 + c); var x1Odd = Vector512.Load(x1 + c + 16);
            float* w = block + c;
            AccumulateConvertedRow(w, x0Even, x0Odd, x1Even, x1Odd, ref e00, ref o00, ref e01, ref o01);
            AccumulateConvertedRow(w + BlockCols, x0Even, x0Odd, x1Even, x1Odd, ref e10, ref o10, ref e11, ref o11);
            AccumulateConvertedRow(w + 2 * BlockCols, x0Even, x0Odd, x1Even, x1Odd, ref e20, ref o20, ref e21, ref o21);
            AccumulateConvertedRow(w + 3 * BlockCols, x0Even, x0Odd, x1Even, x1Odd, ref e30, ref o30, ref e31, ref o31);
            AccumulateConvertedRow(w + 4 * BlockCols, x0Even, x0Odd, x1Even, x1Odd, ref e40, ref o40, ref e41, ref o41);
            AccumulateConvertedRow(w + 5 * BlockCols, x0Even, x0Odd, x1Even, x1Odd, ref e50, ref o50, ref e51, ref o51);
        }
        s0[0] = e00; s0[1] = o00; s0[2] = e10; s0[3] = o10; s0[4] = e20; s0[5] = o20;
        s0[6] = e30; s0[7] = o30; s0[8] = e40; s0[9] = o40; s0[10] = e50; s0[11] = o50;
        s1[0] = e01; s1[1] = o01; s1[2] = e11; s1[3] = o11; s1[4] = e21; s1[5] = o21;
        s1[6] = e31; s1[7] = o31; s1[8] = e41; s1[9] = o41; s1[10] = e51; s1[11] = o51;
    }

    /// <summary>One converted row's 32 columns into both tokens' even and odd sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AccumulateConvertedRow(float* w, Vector512<float> x0Even, Vector512<float> x0Odd, Vector512<float> x1Even, Vector512<float> x1Odd,
        ref Vector512<float> evenSum0, ref Vector512<float> oddSum0, ref Vector512<float> evenSum1, ref Vector512<float> oddSum1)
    {
        var even = Vector512.Load(w);
        var odd = Vector512.Load(w + 16);
        evenSum0 = Vector512.FusedMultiplyAdd(even, x0Even, evenSum0);
        oddSum0 = Vector512.FusedMultiplyAdd(odd, x0Odd, oddSum0);
        evenSum1 = Vector512.FusedMultiplyAdd(even, x1Even, evenSum1);
        oddSum1 = Vector512.FusedMultiplyAdd(odd, x1Odd, oddSum1);
    }

    /// <summary><see cref="AccumulateTwoTokens512"/> for one token (the odd one of a batch).</summary>
    static void AccumulateOneToken512(float* block, int width, float* x, Vector512<float>* s)
    {
        Vector512<float> e0 = s[0], o0 = s[1], e1 = s[2], o1 = s[3], e2 = s[4], o2 = s[5];
        Vector512<float> e3 = s[6], o3 = s[7], e4 = s[8], o4 = s[9], e5 = s[10], o5 = s[11];
        for (int c = 0; c < width; c += 32)
        {
            var xEven = Vector512.Load(x + c);
            var xOdd = Vector512.Load(x + c + 16);
            float* w = block + c;
            e0 = Vector512.FusedMultiplyAdd(Vector512.Load(w), xEven, e0); o0 = Vector512.FusedMultiplyAdd(Vector512.Load(w + 16), xOdd, o0);
            w += BlockCols;
            e1 = Vector512.FusedMultiplyAdd(Vector512.Load(w), xEven, e1); o1 = Vector512.FusedMultiplyAdd(Vector512.Load(w + 16), xOdd, o1);
            w += BlockCols;
            e2 = Vector512.FusedMultiplyAdd(Vector512.Load(w), xEven, e2); o2 = Vector512.FusedMultiplyAdd(Vector512.Load(w + 16), xOdd, o2);
            w += BlockCols;
            e3 = Vector512.FusedMultiplyAdd(Vector512.Load(w), xEven, e3); o3 = Vector512.FusedMultiplyAdd(Vector512.Load(w + 16), xOdd, o3);
            w += BlockCols;
            e4 = Vector512.FusedMultiplyAdd(Vector512.Load(w), xEven, e4); o4 = Vector512.FusedMultiplyAdd(Vector512.Load(w + 16), xOdd, o4);
            w += BlockCols;
            e5 = Vector512.FusedMultiplyAdd(Vector512.Load(w), xEven, e5); o5 = Vector512.FusedMultiplyAdd(Vector512.Load(w + 16), xOdd, o5);
        }
        s[0] = e0; s[1] = o0; s[2] = e1; s[3] = o1; s[4] = e2; s[5] = o2;
        s[6] = e3; s[7] = o3; s[8] = e4; s[9] = o4; s[10] = e5; s[11] = o5;
    }

    /// <summary>y[·, rows of the tile] for every token of the group on AVX2: per block, two tokens at a time, then the odd one.</summary>
    /// <param name="sums">Per token t and row k at 4t + k: one sum, even columns then odd (F16MatVec's AVX2 order).</param>
    static void MultiplyBlockTile256(Operands o, TileRows rows, float* block, Vector256<float>* sums)
    {
        const int rowTile = 4;
        for (int i = 0; i < o.Tokens * rowTile; i++) sums[i] = Vector256<float>.Zero;
        for (int c0 = 0; c0 < o.VectorCols; c0 += BlockCols)
        {
            int width = Math.Min(BlockCols, o.VectorCols - c0);
            ConvertBlock(SimdPath.Avx2, o, rows, rowTile, c0, width, block);
            int t = 0;
            for (; t + TokenTile <= o.Tokens; t += TokenTile)
                AccumulateTwoTokens256(block, width, o.SplitInput(t) + c0, o.SplitInput(t + 1) + c0, sums + t * rowTile);
            if (t < o.Tokens) AccumulateOneToken256(block, width, o.SplitInput(t) + c0, sums + t * rowTile);
        }
        for (int t = 0; t < o.Tokens; t++)
            for (int k = 0; k < rowTile; k++) o.Finish(t, rows[k], Vector256.Sum(sums[t * rowTile + k]));
    }

    /// <summary>Four converted rows × two tokens over one block (16 ymm registers: 8 sums, 4 vectors of x, a row's two).</summary>
    // acc[k, t] += W[k, c..c+16]·x[t, c..c+16], even columns then odd
    static void AccumulateTwoTokens256(float* block, int width, float* x0, float* x1, Vector256<float>* sums)
    {
        // s{row}{token}
        Vector256<float> s00 = sums[0], s10 = sums[1], s20 = sums[2], s30 = sums[3];
        Vector256<float> s01 = sums[4], s11 = sums[5], s21 = sums[6], s31 = sums[7];
        for (int c = 0; c < width; c += 16)
        {
            var x0Even = Vector256.Load(x0 + c); var x0Odd = Vector256.Load(x0 + c + 8);
            var x1Even = Vector256.Load(x1 + c); var x1Odd = Vector256.Load(x1 + c + 8);
            float* w = block + c;
            AccumulateConvertedRow(w, x0Even, x0Odd, x1Even, x1Odd, ref s00, ref s01);
            AccumulateConvertedRow(w + BlockCols, x0Even, x0Odd, x1Even, x1Odd, ref s10, ref s11);
            AccumulateConvertedRow(w + 2 * BlockCols, x0Even, x0Odd, x1Even, x1Odd, ref s20, ref s21);
            AccumulateConvertedRow(w + 3 * BlockCols, x0Even, x0Odd, x1Even, x1Odd, ref s30, ref s31);
        }
        sums[0] = s00; sums[1] = s10; sums[2] = s20; sums[3] = s30;
        sums[4] = s01; sums[5] = s11; sums[6] = s21; sums[7] = s31;
    }

    /// <summary>One converted row's 16 columns into both tokens' sums (even columns, then odd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AccumulateConvertedRow(float* w, Vector256<float> x0Even, Vector256<float> x0Odd, Vector256<float> x1Even, Vector256<float> x1Odd,
        ref Vector256<float> sum0, ref Vector256<float> sum1)
    {
        var even = Vector256.Load(w);
        var odd = Vector256.Load(w + 8);
        sum0 = Vector256.FusedMultiplyAdd(even, x0Even, sum0);
        sum1 = Vector256.FusedMultiplyAdd(even, x1Even, sum1);
        sum0 = Vector256.FusedMultiplyAdd(odd, x0Odd, sum0);
        sum1 = Vector256.FusedMultiplyAdd(odd, x1Odd, sum1);
    }

    /// <summary><see cref="AccumulateTwoTokens256"/> for one token (the odd one of a batch).</summary>
    static void AccumulateOneToken256(float* block, int width, float* x, Vector256<float>* s)
    {
        Vector256<float> s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
        for (int c = 0; c < width; c += 16)
        {
            var xEven = Vector256.Load(x + c);
            var xOdd = Vector256.Load(x + c + 8);
            float* w = block + c;
            s0 = Vector256.FusedMultiplyAdd(Vector256.Load(w + 8), xOdd, Vector256.FusedMultiplyAdd(Vector256.Load(w), xEven, s0));
            w += BlockCols;
            s1 = Vector256.FusedMultiplyAdd(Vector256.Load(w + 8), xOdd, Vector256.FusedMultiplyAdd(Vector256.Load(w), xEven, s1));
            w += BlockCols;
            s2 = Vector256.FusedMultiplyAdd(Vector256.Load(w + 8), xOdd, Vector256.FusedMultiplyAdd(Vector256.Load(w), xEven, s2));
            w += BlockCols;
            s3 = Vector256.FusedMultiplyAdd(Vector256.Load(w + 8), xOdd, Vector256.FusedMultiplyAdd(Vector256.Load(w), xEven, s3));
        }
        s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
    }

    /// <summary>y[·, r] for every token of the group, one row at a time (the rows past the last full tile), converted as the tiles convert.</summary>
    static void MultiplyRowAloneExact(SimdPath path, Operands o, int r)
    {
        ushort* row = o.Row(r);
        for (int t = 0; t < o.Tokens; t++)
        {
            float* x = o.SplitInput(t);
            float vectorPart;
            if (path == SimdPath.Avx512)
            {
                Vector512<float> even = default, odd = default;
                for (int c = 0; c < o.VectorCols; c += 32)
                {
                    var lanes = Vector512.Load((int*)(row + c));
                    even = Vector512.FusedMultiplyAdd(ExactHalfLanes.Even(lanes), Vector512.Load(x + c), even);
                    odd = Vector512.FusedMultiplyAdd(ExactHalfLanes.Odd(lanes), Vector512.Load(x + c + 16), odd);
                }
                var sum = even + odd;
                vectorPart = FloatMath.SumEach(sum, sum, sum, sum).GetElement(0);
            }
            else
            {
                Vector256<float> sum = default;
                for (int c = 0; c < o.VectorCols; c += 16)
                {
                    var lanes = Vector256.Load((int*)(row + c));
                    sum = Vector256.FusedMultiplyAdd(ExactHalfLanes.Even(lanes), Vector256.Load(x + c), sum);
                    sum = Vector256.FusedMultiplyAdd(ExactHalfLanes.Odd(lanes), Vector256.Load(x + c + 8), sum);
                }
                vectorPart = Vector256.Sum(sum);
            }
            o.Finish(t, r, vectorPart);
        }
    }
}
