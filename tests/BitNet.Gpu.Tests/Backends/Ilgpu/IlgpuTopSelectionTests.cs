using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Checking;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// Top-k logits read as short lists (ILGPU's <c>TopSelect</c> kernel) on ILGPU's CPU accelerator, stored F16 output
/// layer: every logit read equals the full product's bit for bit, every other is −∞, and each row's top k are among
/// them; ties beyond a list, a k above the list capacity, and tokens that must stay exact read every logit.
/// </summary>
public sealed class IlgpuTopSelectionTests
{
    const int Rows = 2048, Cols = 64;

    [Fact]
    public void EachRowKeepsItsTopK_BitEqualToTheFullProduct()
    {
        int[] topK = [1, 40, 5];
        using var backend = IlgpuAccelerators.CreateCpuBackend();
        var (full, top, listReads) = FullAndTop(backend, seed: 51, topK, alwaysExact: [[], [], []], zeroInput: false);
        Assert.Equal(1, listReads);
        TopListChecks.KeepsEachRowsTopK(full, top, Rows, topK);
    }

    [Fact]
    public void TiesBeyondTheList_AlwaysExactTokens_OrAKAboveTheList_ReadEveryLogit()
    {
        // A zero input makes every logit 0: all 2048 tie with the k-th, more than a list holds.
        using var backend = IlgpuAccelerators.CreateCpuBackend();
        var (full, top, listReads) = FullAndTop(backend, seed: 52, [3], alwaysExact: [[]], zeroInput: true);
        ReadEveryLogit(full, top, listReads);
        (full, top, listReads) = FullAndTop(backend, seed: 53, [3], alwaysExact: [[7]], zeroInput: false);
        ReadEveryLogit(full, top, listReads);
        (full, top, listReads) = FullAndTop(backend, seed: 54, [TopLists.Capacity + 1], alwaysExact: [[]], zeroInput: false);
        ReadEveryLogit(full, top, listReads);
    }

    static void ReadEveryLogit(float[] full, float[] top, int listReads)
    {
        Assert.Equal(0, listReads);
        Assert.Equal(full, top);
    }

    /// <summary>The full product's logits and the top-k product's (read into NaN-poisoned memory), and how many reads
    /// took the lists.</summary>
    static (float[] Full, float[] Top, int ListReads) FullAndTop(IlgpuBackend backend, int seed, int[] topK, int[][] alwaysExact, bool zeroInput)
    {
        int tokens = topK.Length;
        using var weights = new RandomWeightFile(seed);
        weights.AddDense("output.weight", GgmlType.F16, Rows, Cols, scale: 0.05f);
        var random = new Random(seed);
        var x = Enumerable.Range(0, tokens * Cols).Select(_ => zeroInput ? 0f : (float)(random.NextDouble() * 2 - 1)).ToArray();

        using var w = backend.UploadDense(weights.File, weights["output.weight"]);
        using var input = backend.AllocateActivations(tokens, Cols);
        using var output = backend.AllocateActivations(tokens, Rows);
        backend.Write(input, tokens, x);

        var full = Run(backend, output, tokens, () => backend.DenseMatMul(w, input, output, tokens));
        int before = backend.TopListReads;
        var top = Run(backend, output, tokens, () => backend.DenseMatMulTopRows(w, input, output, tokens, topK,
            [.. alwaysExact.Select(a => (ReadOnlyMemory<int>)a)]));
        Assert.All(full, v => Assert.True(float.IsFinite(v)));
        return (full, top, backend.TopListReads - before);
    }

    static float[] Run(IlgpuBackend backend, DeviceBuffer output, int tokens, Action product)
    {
        backend.Write(output, tokens, Enumerable.Repeat(float.NaN, tokens * output.Cols).ToArray());
        backend.BeginStep(new int[tokens], 0);
        product();
        var values = new float[tokens * output.Cols];
        values.AsSpan().Fill(float.NaN);
        backend.Read(output, tokens, values);
        Assert.DoesNotContain(values, float.IsNaN);
        return values;
    }
}
