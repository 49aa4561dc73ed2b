using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // (a, b) ← (a cos θ − b sin θ, a sin θ + b cos θ),  θ = position[t] · base^(−2i / ropeDims),  cos/sin from the table
    /// <summary>
    /// Rotary position embedding of every head, in place, each token at its own position. index.X = head · ropeDims/2 + i
    /// (one thread per rotated pair), index.Y = token. NEOX pairs (i, i + ropeDims/2); interleaved pairs (2i, 2i + 1).
    /// </summary>
    public static void Rope(
        Index2D index,
        ArrayView<float> x,                 // tokens × heads·headDim
        ArrayView<float> cosSin,            // positions × ropeDims/2 × (cos, sin), computed on the host in double
        ArrayView<int> positions,           // tokens
        int heads, int headDim, int ropeDims, int neox)
    {
        int half = ropeDims / 2;
        int head = index.X / half, i = index.X % half;
        int token = index.Y;
        long headStart = ((long)token * heads + head) * headDim;
        Rotate(x, headStart + PairFirst(i, half, neox), headStart + PairSecond(i, half, neox), cosSin, Angle(positions[token], i, half));
    }

    /// <summary>Offset in a head of pair i's first element: a rotated pair (i &lt; half, NEOX or interleaved), or past the
    /// rotated dimensions two consecutive elements.</summary>
    static int PairFirst(int i, int half, int neox) => i >= half ? 2 * i : neox != 0 ? i : 2 * i;

    /// <summary>Offset in a head of pair i's second element.</summary>
    static int PairSecond(int i, int half, int neox) => i >= half ? 2 * i + 1 : neox != 0 ? i + half : 2 * i + 1;

    /// <summary>Index of (cos, sin) of pair i at a position in the table.</summary>
    static long Angle(int position, int i, int half) => ((long)position * half + i) * 2;

    // (x[a], x[b]) ← (x[a] cos θ − x[b] sin θ, x[a] sin θ + x[b] cos θ)
    static void Rotate(ArrayView<float> x, long a, long b, ArrayView<float> cosSin, long angle)
    {
        float cos = cosSin[angle], sin = cosSin[angle + 1];
        float x0 = x[a], x1 = x[b];
        x[a] = x0 * cos - x1 * sin;
        x[b] = x0 * sin + x1 * cos;
    }
}
