namespace BitNet.Gpu.Tests.Backends;

/// <summary>What a top-k screen of an output layer promises, checked the same way for every GPU backend (ILGPU, Vulkan).</summary>
static class TopRowsScreenChecks
{
    /// <summary>Every logit the screen returned equals the full product's bit for bit, every other is −∞, and each token's
    /// top k of the full product (ties by row) and its rows always wanted are among those returned.</summary>
    public static void KeepsEveryLogitItsSamplerCanUse(float[] full, float[] screened, int rows, int[] topK, int[][] alwaysExact)
    {
        for (int t = 0; t < topK.Length; t++)
        {
            var expected = full.AsSpan(t * rows, rows).ToArray();
            var actual = screened.AsSpan(t * rows, rows);
            for (int r = 0; r < rows; r++)
                if (!float.IsNegativeInfinity(actual[r])) Assert.Equal(expected[r], actual[r]);
            foreach (int r in Enumerable.Range(0, rows).OrderByDescending(r => expected[r]).ThenBy(r => r).Take(topK[t]).Concat(alwaysExact[t]))
                Assert.Equal(expected[r], actual[r]);
        }
    }
}
