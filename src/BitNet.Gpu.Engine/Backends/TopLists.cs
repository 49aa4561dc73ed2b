namespace BitNet.Gpu.Engine.Backends;

/// <summary>
/// Top-k logits read back as short lists (the GPU backends' <c>top_select</c>): per row, the kept count, one unused
/// int, then (column, value bits) pairs of every logit at or above the row's k-th largest. When the lists can serve a
/// step, and how a read turns them into logits (−∞ for the rest).
/// </summary>
public static class TopLists
{
    /// <summary>Pairs a row's list holds; a larger k, or more ties, reads every logit.</summary>
    public const int Capacity = 255;
    /// <summary>Ints per row's list.</summary>
    public const int Ints = 2 * (1 + Capacity);

    /// <summary>
    /// The one k the lists of a step's <paramref name="rows"/> rows of <paramref name="cols"/> logits are made with (a row
    /// keeping more than its own k still holds every logit its sampler can pick), or 0 when every logit must be read:
    /// a token kept exact for its sampler (logit bias, penalties), or a k above <see cref="Capacity"/> or not below cols.
    /// </summary>
    public static int SharedK(int rows, int cols, ReadOnlySpan<int> topK, IReadOnlyList<ReadOnlyMemory<int>> alwaysExact)
    {
        int largestK = 0;
        for (int t = 0; t < rows; t++)
        {
            if (!alwaysExact[t].IsEmpty) return 0;
            largestK = Math.Max(largestK, topK[t]);
        }
        return largestK > 0 && largestK <= Capacity && largestK < cols ? largestK : 0;
    }

    /// <summary>Writes the listed logits of <paramref name="rows"/> rows into <paramref name="destination"/>, −∞ elsewhere;
    /// false (nothing written) when a row's list overflowed, and every logit must be read instead.</summary>
    public static bool TryScatter(ReadOnlySpan<int> lists, int rows, int cols, Span<float> destination) =>
        TryScatter(lists, rows, cols, destination, destinationIsNegativeInfinity: false);

    /// <summary>As <see cref="TryScatter(ReadOnlySpan{int}, int, int, Span{float})"/>; with
    /// <paramref name="destinationIsNegativeInfinity"/>, the caller has already set the rows to −∞ (while the device ran),
    /// and only the listed logits are written.</summary>
    public static bool TryScatter(ReadOnlySpan<int> lists, int rows, int cols, Span<float> destination, bool destinationIsNegativeInfinity)
    {
        for (int r = 0; r < rows; r++)
            if (lists[r * Ints] > Capacity) return false;

        if (!destinationIsNegativeInfinity) destination[..(rows * cols)].Fill(float.NegativeInfinity);
        for (int r = 0; r < rows; r++)
        {
            var list = lists.Slice(r * Ints, Ints);
            var row = destination.Slice(r * cols, cols);
            for (int i = 0; i < list[0]; i++)
                row[list[2 + 2 * i]] = BitConverter.Int32BitsToSingle(list[3 + 2 * i]);
        }
        return true;
    }
}
