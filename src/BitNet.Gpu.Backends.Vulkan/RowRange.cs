namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>Rows [First, First + Count) of a matrix.</summary>
internal readonly record struct RowRange(int First, int Count)
{
    /// <summary>
    /// Splits <paramref name="rows"/> rows of <paramref name="rowBytes"/> bytes into ranges that each fit one binding
    /// (at most <paramref name="maxBytes"/>) and start at a byte offset that is a multiple of <paramref name="alignment"/>.
    /// </summary>
    public static IReadOnlyList<RowRange> Split(int rows, long rowBytes, long maxBytes, long alignment) =>
        Split(rows, [rowBytes], maxBytes, alignment);

    /// <summary>The same, for row ranges taken from several buffers at once (the inputs and outputs of one dispatch),
    /// each with its own row size: every buffer's window must fit and be aligned.</summary>
    public static IReadOnlyList<RowRange> Split(int rows, ReadOnlySpan<long> rowBytes, long maxBytes, long alignment)
    {
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be positive");
        long alignedStep = 1, largestRow = 0;
        foreach (long size in rowBytes)
        {
            if (size <= 0) throw new ArgumentOutOfRangeException(nameof(rowBytes), size, "row sizes must be positive");
            long step = alignment / GreatestCommonDivisor(size, alignment);   // rows between aligned offsets
            alignedStep = alignedStep / GreatestCommonDivisor(alignedStep, step) * step;
            largestRow = Math.Max(largestRow, size);
        }
        long fitting = maxBytes / largestRow / alignedStep * alignedStep;
        if (fitting == 0)
            throw new VulkanException($"rows of {largestRow:N0} bytes cannot be bound in aligned groups within the {maxBytes:N0}-byte binding limit");
        var ranges = new List<RowRange>();
        for (long first = 0; first < rows; first += fitting)
            ranges.Add(new RowRange((int)first, (int)Math.Min(fitting, rows - first)));
        return ranges;
    }

    static long GreatestCommonDivisor(long a, long b) => b == 0 ? a : GreatestCommonDivisor(b, a % b);
}
