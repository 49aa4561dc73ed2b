using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// <see cref="F16MatMul"/>'s tiles that convert the weights in registers (<see cref="F16MatVec"/>'s three-instruction
/// conversion to W · 2^-112, with x · 2^64): each 32 (16) halves of a row are converted once per pair of tokens.
/// </summary>
public static unsafe partial class F16MatMul
{
    /// <summary>y[·, rows of the tile] for every token of the group: two tokens at a time, then the odd one.</summary>
    static void MultiplyRowTile(SimdPath path, Operands o, TileRows rows)
    {
        int t = 0;
        for (; t + TokenTile <= o.Tokens; t += TokenTile)
        {
            if (path == SimdPath.Avx512) Tile512(o, rows, t);
            else Tile256(o, rows, t);
        }
        if (t < o.Tokens)
        {
            if (path == SimdPath.Avx512) Tile512OneToken(o, rows, t);
            else Tile256OneToken(o, rows, t);
        }
    }

    /// <summary>Six rows × two tokens on AVX-512: each 32 halves of a row are converted once for both tokens, each load of x serves six rows.</summary>
    // acc[r, t] += W[r, c..c+32]·x[t, c..c+32], as even and odd columns (F16MatVec.Accumulate)
    static void Tile512(Operands o, TileRows rows, int t0)
    {
        var mask = Vector512.Create(unchecked((int)0x8FFFE000));
        ushort* w0 = o.Row(rows[0]), w1 = o.Row(rows[1]), w2 = o.Row(rows[2]), w3 = o.Row(rows[3]), w4 = o.Row(rows[4]), w5 = o.Row(rows[5]);
        float* x0 = o.SplitInput(t0), x1 = o.SplitInput(t0 + 1);
        // e{row}{token}, o{row}{token}: even- and odd-column sums
        Vector512<float> e00 = default, o00 = default, e01 = default, o01 = default;
        Vector512<float> e10 = default, o10 = default, e11 = default, o11 = default;
        Vector512<float> e20 = default, o20 = default, e21 = default, o21 = default;
        Vector512<float> e30 = default, o30 = default, e31 = default, o31 = default;
        Vector512<float> e40 = default, o40 = default, e41 = default, o41 = default;
        Vector512<float> e50 = default, o50 = default, e51 = default, o51 = default;
        for (int c = 0; c < o.VectorCols; c += 32)
        {
            var x0Even = Vector512.Load(x0 + c); var x0Odd = Vector512.Load(x0 + c + 16);
            var x1Even = Vector512.Load(x1 + c); var x1Odd = Vector512.Load(x1 + c + 16);
            AccumulateRow(Vector512.Load((int*)(w0 + c)), mask, x0Even, x0Odd, x1Even, x1Odd, ref e00, ref o00, ref e01, ref o01);
            AccumulateRow(Vector512.Load((int*)(w1 + c)), mask, x0Even, x0Odd, x1Even, x1Odd, ref e10, ref o10, ref e11, ref o11);
            AccumulateRow(Vector512.Load((int*)(w2 + c)), mask, x0Even, x0Odd, x1Even, x1Odd, ref e20, ref o20, ref e21, ref o21);
            AccumulateRow(Vector512.Load((int*)(w3 + c)), mask, x0Even, x0Odd, x1Even, x1Odd, ref e30, ref o30, ref e31, ref o31);
            AccumulateRow(Vector512.Load((int*)(w4 + c)), mask, x0Even, x0Odd, x1Even, x1Odd, ref e40, ref o40, ref e41, ref o41);
            AccumulateRow(Vector512.Load((int*)(w5 + c)), mask, x0Even, x0Odd, x1Even, x1Odd, ref e50, ref o50, ref e51, ref o51);
        }
        // per (row, token) as F16MatVec's reduction
        var token0 = FloatMath.SumEach(e00 + o00, e10 + o10, e20 + o20, e30 + o30);
        var token1 = FloatMath.SumEach(e01 + o01, e11 + o11, e21 + o21, e31 + o31);
        var rows4And5 = FloatMath.SumEach(e40 + o40, e50 + o50, e41 + o41, e51 + o51);
        for (int r = 0; r < 4; r++)
        {
            o.Finish(t0, rows[r], token0[r]);
            o.Finish(t0 + 1, rows[r], token1[r]);
        }
        o.Finish(t0, rows[4], rows4And5[0]);
        o.Finish(t0, rows[5], rows4And5[1]);
        o.Finish(t0 + 1, rows[4], rows4And5[2]);
        o.Finish(t0 + 1, rows[5], rows4And5[3]);
    }

    /// <summary>One row's 32 halves, converted once, into both tokens' accumulators (even then odd columns of the chunk).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AccumulateRow(Vector512<int> lanes, Vector512<int> mask, Vector512<float> x0Even, Vector512<float> x0Odd,
        Vector512<float> x1Even, Vector512<float> x1Odd, ref Vector512<float> evenSum0, ref Vector512<float> oddSum0,
        ref Vector512<float> evenSum1, ref Vector512<float> oddSum1)
    {
        var even = F16MatVec.EvenHalves(lanes, mask);
        var odd = F16MatVec.OddHalves(lanes, mask);
        evenSum0 = Vector512.FusedMultiplyAdd(even, x0Even, evenSum0);
        oddSum0 = Vector512.FusedMultiplyAdd(odd, x0Odd, oddSum0);
        evenSum1 = Vector512.FusedMultiplyAdd(even, x1Even, evenSum1);
        oddSum1 = Vector512.FusedMultiplyAdd(odd, x1Odd, oddSum1);
    }

    /// <summary><see cref="Tile512"/>'s six rows for one token (the odd one of a batch): twelve independent sums keep the adds in flight.</summary>
    static void Tile512OneToken(Operands o, TileRows rows, int t)
    {
        var mask = Vector512.Create(unchecked((int)0x8FFFE000));
        ushort* w0 = o.Row(rows[0]), w1 = o.Row(rows[1]), w2 = o.Row(rows[2]), w3 = o.Row(rows[3]), w4 = o.Row(rows[4]), w5 = o.Row(rows[5]);
        float* x = o.SplitInput(t);
        Vector512<float> e0 = default, o0 = default, e1 = default, o1 = default, e2 = default, o2 = default;
        Vector512<float> e3 = default, o3 = default, e4 = default, o4 = default, e5 = default, o5 = default;
        for (int c = 0; c < o.VectorCols; c += 32)
        {
            var xEven = Vector512.Load(x + c);
            var xOdd = Vector512.Load(x + c + 16);
            F16MatVec.Accumulate(Vector512.Load((int*)(w0 + c)), xEven, xOdd, mask, ref e0, ref o0);
            F16MatVec.Accumulate(Vector512.Load((int*)(w1 + c)), xEven, xOdd, mask, ref e1, ref o1);
            F16MatVec.Accumulate(Vector512.Load((int*)(w2 + c)), xEven, xOdd, mask, ref e2, ref o2);
            F16MatVec.Accumulate(Vector512.Load((int*)(w3 + c)), xEven, xOdd, mask, ref e3, ref o3);
            F16MatVec.Accumulate(Vector512.Load((int*)(w4 + c)), xEven, xOdd, mask, ref e4, ref o4);
            F16MatVec.Accumulate(Vector512.Load((int*)(w5 + c)), xEven, xOdd, mask, ref e5, ref o5);
        }
        var rows0To3 = FloatMath.SumEach(e0 + o0, e1 + o1, e2 + o2, e3 + o3); // per row as F16MatVec's reduction
        var rows4And5 = FloatMath.SumEach(e4 + o4, e5 + o5, e4 + o4, e5 + o5);
        for (int r = 0; r < 4; r++) o.Finish(t, rows[r], rows0To3[r]);
        o.Finish(t, rows[4], rows4And5[0]);
        o.Finish(t, rows[5], rows4And5[1]);
    }

    /// <summary>Four rows × two tokens on AVX2 (16 ymm registers: 8 sums, 4 vectors of x, the mask and a row's halves).</summary>
    // acc[r, t] += W[r, c..c+16]·x[t, c..c+16], even columns then odd (F16MatVec.Accumulate of Vector256)
    static void Tile256(Operands o, TileRows rows, int t0)
    {
        var mask = Vector256.Create(unchecked((int)0x8FFFE000));
        ushort* w0 = o.Row(rows[0]), w1 = o.Row(rows[1]), w2 = o.Row(rows[2]), w3 = o.Row(rows[3]);
        float* x0 = o.SplitInput(t0), x1 = o.SplitInput(t0 + 1);
        // s{row}{token}
        Vector256<float> s00 = default, s01 = default, s10 = default, s11 = default;
        Vector256<float> s20 = default, s21 = default, s30 = default, s31 = default;
        for (int c = 0; c < o.VectorCols; c += 16)
        {
            var x0Even = Vector256.Load(x0 + c); var x0Odd = Vector256.Load(x0 + c + 8);
            var x1Even = Vector256.Load(x1 + c); var x1Odd = Vector256.Load(x1 + c + 8);
            AccumulateRow(Vector256.Load((int*)(w0 + c)), mask, x0Even, x0Odd, x1Even, x1Odd, ref s00, ref s01);
            AccumulateRow(Vector256.Load((int*)(w1 + c)), mask, x0Even, x0Odd, x1Even, x1Odd, ref s10, ref s11);
            AccumulateRow(Vector256.Load((int*)(w2 + c)), mask, x0Even, x0Odd, x1Even, x1Odd, ref s20, ref s21);
            AccumulateRow(Vector256.Load((int*)(w3 + c)), mask, x0Even, x0Odd, x1Even, x1Odd, ref s30, ref s31);
        }
        // All reduced before the first call: the JIT spills a vector that is live across a call where it is defined,
        // which would put the sums through the stack on every iteration.
        var token0 = Vector128.Create(Vector256.Sum(s00), Vector256.Sum(s10), Vector256.Sum(s20), Vector256.Sum(s30));
        var token1 = Vector128.Create(Vector256.Sum(s01), Vector256.Sum(s11), Vector256.Sum(s21), Vector256.Sum(s31));
        for (int r = 0; r < 4; r++)
        {
            o.Finish(t0, rows[r], token0[r]);
            o.Finish(t0 + 1, rows[r], token1[r]);
        }
    }

    /// <summary>One row's 16 halves, converted once, into both tokens' sums (even columns, then odd, as F16MatVec.Accumulate).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AccumulateRow(Vector256<int> lanes, Vector256<int> mask, Vector256<float> x0Even, Vector256<float> x0Odd,
        Vector256<float> x1Even, Vector256<float> x1Odd, ref Vector256<float> sum0, ref Vector256<float> sum1)
    {
        var even = F16MatVec.EvenHalves(lanes, mask);
        var odd = F16MatVec.OddHalves(lanes, mask);
        sum0 = Vector256.FusedMultiplyAdd(even, x0Even, sum0);
        sum1 = Vector256.FusedMultiplyAdd(even, x1Even, sum1);
        sum0 = Vector256.FusedMultiplyAdd(odd, x0Odd, sum0);
        sum1 = Vector256.FusedMultiplyAdd(odd, x1Odd, sum1);
    }

    /// <summary><see cref="Tile256"/>'s four rows for one token (the odd one of a batch): F16MatVec's four-row step.</summary>
    static void Tile256OneToken(Operands o, TileRows rows, int t)
    {
        var sums = F16MatVec.Dot256Rows4(o.Row(rows[0]), o.Row(rows[1]), o.Row(rows[2]), o.Row(rows[3]), o.SplitInput(t), o.VectorCols);
        for (int r = 0; r < 4; r++) o.Finish(t, rows[r], sums[r]);
    }
}
