using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Dense f16 matrix × a batch of f32 vectors: y[t, r] = Σ_c W[r, c]·x[t, c] (the output projection of several sequences'
/// tokens in one step).
/// <para>
/// Every output is computed with exactly <see cref="F16MatVec"/>'s arithmetic (the same products, the same order of fused
/// multiply-adds, the same reduction), so a token's logits are the same to the bit whether it is multiplied alone or in a
/// batch. The weights are read from memory once for up to <see cref="TokenGroup"/> tokens, a tile of rows at a time (six on
/// AVX-512: 24 accumulators for two tokens; four on AVX2: 8). A tile takes one row from each of six (four) equal parts of
/// the matrix, so the weights stream in as six (four) sequential reads, as in <see cref="F16MatVec"/>.
/// </para>
/// <para>
/// Two ways to convert the halves (<see cref="F16Conversion"/>): in registers, once per pair of tokens
/// (F16MatMulRegisterTiles.cs), or once per group into blocks of exact floats in L1 (F16MatMulConvertedBlocks.cs). The
/// first is cheaper, but its floats are denormal for subnormal halves, and Intel cores take a microcode assist for every
/// multiply with a denormal input. 128,256 × 2,560 (the 2B4T output layer's shape, random weights with 0.15% subnormal),
/// 2 threads, Intel Xeon (Sapphire Rapids), 2026-12-07, median ms for 2/4/8/16 tokens, AVX-512: in registers 42/71/135/315,
/// converted blocks 50/49/62/109; the same matrix with its subnormals set to zero: in registers 31/39/57/108, converted
/// blocks 49/54/64/106. On the AVX2 path, with subnormals: 48/87/148/335 against 70/80/97/160.
/// </para>
/// </summary>
public static unsafe partial class F16MatMul
{
    /// <summary>Tokens whose x share one pass over the weights (16 × 2560 floats, 160 KB, fit in L2).</summary>
    const int TokenGroup = 16;
    /// <summary>Tokens one register tile multiplies at once.</summary>
    const int TokenTile = 2;
    /// <summary>From this many tokens, weights with subnormal halves go through converted blocks where denormal multiplies are slow.</summary>
    const int ConvertedBlocksFromTokens = 4;

    /// <param name="w">rows × cols halves, row-major.</param>
    /// <param name="x">tokens × cols, row-major.</param>
    /// <param name="y">tokens × rows, row-major, overwritten.</param>
    /// <param name="weightsHaveSubnormals">Whether <paramref name="w"/> holds a nonzero subnormal half (<see cref="HalfConversion.HasSubnormal"/>);
    /// on cores that multiply denormals slowly, 4 or more tokens then take the converted blocks.</param>
    public static void Multiply(ReadOnlySpan<Half> w, int rows, int cols, ReadOnlySpan<float> x, int tokens, Span<float> y, KernelThreadPool pool,
        bool weightsHaveSubnormals = false) =>
        Multiply(w, rows, cols, x, tokens, y, pool, SimdSupport.Best, ChooseConversion(tokens, weightsHaveSubnormals));

    /// <summary>Converted blocks where they are faster: subnormal weights, enough tokens, and a core that multiplies denormals slowly.</summary>
    internal static F16Conversion ChooseConversion(int tokens, bool weightsHaveSubnormals) =>
        weightsHaveSubnormals && tokens >= ConvertedBlocksFromTokens && ExactHalfLanes.DenormalInputsAreSlow
            ? F16Conversion.ConvertedBlocks : F16Conversion.InRegisters;

    internal static void Multiply(ReadOnlySpan<Half> w, int rows, int cols, ReadOnlySpan<float> x, int tokens, Span<float> y, KernelThreadPool pool,
        SimdPath path, F16Conversion conversion = F16Conversion.InRegisters)
    {
        if (tokens < 0) throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "Token count must not be negative.");
        F16MatVec.ValidateShape(w, rows, cols, x.Length, y.Length, tokens);
        ArgumentNullException.ThrowIfNull(pool);
        SimdSupport.ThrowIfUnsupported(path);
        if (tokens == 0) return;
        if (RowTile(path) == 0 || tokens == 1)
        {
            for (int t = 0; t < tokens; t++)
                F16MatVec.Multiply(w, rows, cols, x.Slice(t * cols, cols), y.Slice(t * rows, rows), pool, path);
            return;
        }
        for (int first = 0; first < tokens; first += TokenGroup)
        {
            int count = Math.Min(TokenGroup, tokens - first);
            MultiplyGroup(w, rows, cols, x.Slice(first * cols, count * cols), count, y.Slice(first * rows, count * rows), pool, path, conversion);
        }
    }

    /// <summary>Rows one register tile covers: 6 (AVX-512: 24 accumulators of 32 registers), 4 (AVX2: 8 of 16), 0 = token by token.</summary>
    static int RowTile(SimdPath path) => path switch
    {
        SimdPath.Avx512 => 6,
        SimdPath.Avx2 or SimdPath.Avx2Vnni => 4,
        _ => 0,
    };

    /// <summary>What a group's row tiles work on, pinned: the weights, each token's x and its split, scaled copy, and y.</summary>
    readonly struct Operands(ushort* w, int rows, int cols, float* x, float* xSplit, float* y, int tokens, int vectorCols)
    {
        public readonly ushort* W = w;
        public readonly int Rows = rows;
        public readonly int Cols = cols;
        public readonly float* X = x;
        public readonly float* XSplit = xSplit;
        public readonly float* Y = y;
        public readonly int Tokens = tokens;
        /// <summary>Columns the vector loop covers; the rest go through the scalar tail.</summary>
        public readonly int VectorCols = vectorCols;

        public ushort* Row(int r) => W + (long)r * Cols;
        public float* Input(int t) => X + (long)t * Cols;
        public float* SplitInput(int t) => XSplit + (long)t * Cols;
        public ref float Output(int t, int r) => ref Y[(long)t * Rows + r];

        /// <summary>y[t, r] from the vector loop's partial sum (still scaled by 2^-48) and the scalar tail.</summary>
        public void Finish(int t, int r, float vectorPart) =>
            Output(t, r) = vectorPart * F16MatVec.YScale + F16MatVec.DotScalar(Row(r), Input(t), VectorCols, Cols);
    }

    static void MultiplyGroup(ReadOnlySpan<Half> w, int rows, int cols, ReadOnlySpan<float> x, int tokens, Span<float> y, KernelThreadPool pool,
        SimdPath path, F16Conversion conversion)
    {
        int chunk = F16MatVec.ChunkCols(path);
        int vectorCols = cols / chunk * chunk;
        bool blocks = conversion == F16Conversion.ConvertedBlocks;
        var split = ArrayPool<float>.Shared.Rent(tokens * cols);
        try
        {
            float xScale = blocks ? ExactHalfLanes.XScale : F16MatVec.XScale; // either way the products are W·x·2^-48
            for (int t = 0; t < tokens; t++)
                F16MatVec.SplitEvenOddAndScale(x.Slice(t * cols, cols), split.AsSpan(t * cols, cols), vectorCols, chunk, xScale);
            fixed (Half* wFixed = w)
            fixed (float* xFixed = x)
            fixed (float* yFixed = y)
            fixed (float* splitFixed = split)
            {
                var o = new Operands((ushort*)wFixed, rows, cols, xFixed, splitFixed, yFixed, tokens, vectorCols);
                int rowTile = RowTile(path);
                int tiles = rows / rowTile;
                pool.For(tiles, (first, end) =>
                {
                    if (blocks) MultiplyBlockTiles(path, o, rowTile, tiles, first, end);
                    else for (int tile = first; tile < end; tile++) MultiplyRowTile(path, o, new TileRows(tile, tiles));
                });
                for (int r = rowTile * tiles; r < rows; r++)
                {
                    if (blocks) MultiplyRowAloneExact(path, o, r);
                    else MultiplyRowAlone(path, o, r);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(split);
        }
    }

    /// <summary>Tiles [first, end) through converted blocks, with this range's own block and sums (two vectors per row and token on AVX-512, one on AVX2).</summary>
    static void MultiplyBlockTiles(SimdPath path, Operands o, int rowTile, int tiles, int first, int end)
    {
        var block = (float*)NativeMemory.AlignedAlloc((nuint)(rowTile * BlockCols * sizeof(float)), 64);
        var sums = (float*)NativeMemory.AlignedAlloc((nuint)(o.Tokens * rowTile * 2 * Vector512<float>.Count * sizeof(float)), 64);
        try
        {
            for (int tile = first; tile < end; tile++)
            {
                if (path == SimdPath.Avx512) MultiplyBlockTile512(o, new TileRows(tile, tiles), block, (Vector512<float>*)sums);
                else MultiplyBlockTile256(o, new TileRows(tile, tiles), block, (Vector256<float>*)sums);
            }
        }
        finally
        {
            NativeMemory.AlignedFree(block);
            NativeMemory.AlignedFree(sums);
        }
    }

    /// <summary>y[·, r] for every token of the group, one row at a time (the rows past the last full tile), converted in registers.</summary>
    static void MultiplyRowAlone(SimdPath path, Operands o, int r)
    {
        for (int t = 0; t < o.Tokens; t++)
            o.Finish(t, r, F16MatVec.DotVector(path, o.Row(r), o.SplitInput(t), o.VectorCols));
    }

    /// <summary>
    /// The rows of one register tile: <c>First</c>, <c>First + Stride</c>, <c>First + 2·Stride</c>, ..., one row from each
    /// of RowTile equal parts of the matrix. Consecutive tiles then read each part as one sequential stream, which the
    /// hardware prefetcher follows; adjacent rows would restart every stream each tile (as in F16MatVec's four-row step).
    /// </summary>
    readonly record struct TileRows(int First, int Stride)
    {
        public int this[int k] => First + k * Stride;
    }
}

/// <summary>How <see cref="F16MatMul"/> turns the f16 weights into floats.</summary>
internal enum F16Conversion
{
    /// <summary>In registers, once per pair of tokens (F16MatVec's conversion).</summary>
    InRegisters,
    /// <summary>Into blocks of exact floats in L1, once per group of tokens (<see cref="ExactHalfLanes"/>).</summary>
    ConvertedBlocks,
}
