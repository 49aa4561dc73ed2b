namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>Rows [First, First + Count) of a matrix.</summary>
internal readonly record struct RowRange(int First, int Count)
{
    /// <summary>
    /// Splits <paramref name="rows"/> rows of <paramref name="rowBytes"/> bytes into ranges that each fit one binding
    /// (at most <paramref name="maxBytes"/>) and start at a byte offset that is a multiple of <paramref name="alignment"/>.
    /// </summary>
    public static IReadOnlyList<RowRange> Split(int rows, long rowBytes, long maxBytes, long alignment)
    {
        if (rows <= 0 || rowBytes <= 0) throw new ArgumentOutOfRangeException(nameof(rows), "rows and row size must be positive");
        long rowsPerAlignedStep = alignment / GreatestCommonDivisor(rowBytes, alignment);
        long fitting = maxBytes / rowBytes / rowsPerAlignedStep * rowsPerAlignedStep;
        if (fitting == 0)
            throw new VulkanException($"rows of {rowBytes:N0} bytes cannot be bound in aligned groups within the {maxBytes:N0}-byte binding limit");
        var ranges = new List<RowRange>();
        for (long first = 0; first < rows; first += fitting)
            ranges.Add(new RowRange((int)first, (int)Math.Min(fitting, rows - first)));
        return ranges;
    }

    static long GreatestCommonDivisor(long a, long b) => b == 0 ? a : GreatestCommonDivisor(b, a % b);
}
