namespace BitNet.Gpu.Tests.Backends;

/// <summary>What top-k logits read as short lists promise, checked the same way for every GPU backend (ILGPU, Vulkan).</summary>
static class TopListChecks
{
    /// <summary>What a screen promises (<see cref="TopRowsScreenChecks"/>), and exactly the rows at or above the step's
    /// largest k's k-th value are kept (one k serves all the step's rows).</summary>
    public static void KeepsEachRowsTopK(float[] full, float[] top, int rows, int[] topK)
    {
        TopRowsScreenChecks.KeepsEveryLogitItsSamplerCanUse(full, top, rows, topK, [.. topK.Select(_ => Array.Empty<int>())]);
        int largestK = topK.Max();
        for (int t = 0; t < topK.Length; t++)
        {
            var expected = full.AsSpan(t * rows, rows).ToArray();
            float threshold = expected.OrderDescending().ElementAt(largestK - 1);
            Assert.Equal(expected.Count(v => v >= threshold), top.AsSpan(t * rows, rows).ToArray().Count(float.IsFinite));
        }
    }
}
