using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Reference;
using BitNet.Gpu.Tests.Engine.Backends;
using ILGPU.Runtime;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// Attention with the sequence split across groups and merged (what generation uses on a GPU), on sequences longer
/// than one tile of key positions, and prompts where early tokens leave whole splits empty. The op suite's short
/// sequences always run as one split on the CPU accelerator, so these force the split count.
/// </summary>
public sealed class IlgpuAttentionSplitTests : IDisposable
{
    const int Heads = 4, KvHeads = 2, HeadDim = 32, Context = 320;
    readonly IlgpuBackend _backend = IlgpuAccelerators.CreateCpuBackend();
    readonly ReferenceBackend _reference = new();

    public void Dispose()
    {
        _backend.Dispose();
        _reference.Dispose();
    }

    [Theory]
    [InlineData(288, 2, 1)]      // 289..290 positions: three tiles in one split
    [InlineData(288, 2, 2)]
    [InlineData(288, 2, 3)]
    [InlineData(130, 3, 7)]      // splits shorter than a tile
    [InlineData(0, 6, 4)]        // prompt: early tokens see only the first split; the rest are empty
    public void SplitSequence_MatchesReference(int startPosition, int tokens, int splits)
    {
        _backend.AttentionSplitsOverride = splits;
        int kvWidth = KvHeads * HeadDim;
        var random = new Random(40 + startPosition + splits);
        float[] Random(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var cachedKeys = Random(startPosition * kvWidth);
        var cachedValues = Random(startPosition * kvWidth);
        var q = Random(tokens * Heads * HeadDim);
        var k = Random(tokens * kvWidth);
        var v = Random(tokens * kvWidth);

        float[] Run(IComputeBackend b)
        {
            using var cache = b.AllocateKvCache(layers: 2, Context, KvHeads, HeadDim, KvCacheType.F32);
            FillLayer(cache, layer: 1, cachedKeys, cachedValues);
            using var qb = Upload(b, tokens, Heads * HeadDim, q);
            using var kb = Upload(b, tokens, kvWidth, k);
            using var vb = Upload(b, tokens, kvWidth, v);
            using var output = Upload(b, tokens, Heads * HeadDim, Enumerable.Repeat(float.NaN, tokens * Heads * HeadDim).ToArray());
            b.BeginStep(new int[tokens], startPosition);
            b.Attention(qb, kb, vb, cache, layer: 1, output, tokens, Heads, KvHeads, HeadDim);
            var result = new float[tokens * Heads * HeadDim];
            b.Read(output, tokens, result);
            return result;
        }

        BackendOpsTests.AssertClose(Run(_reference), Run(_backend), 1e-4, $"attention from {startPosition} × {tokens} tokens in {splits} splits");
    }

    /// <summary>
    /// Splits sized by the step's longest sequence: a long prompt beside short ones, then one token of each sequence,
    /// where the short sequences' tokens leave the later splits empty and each token reads only its own slot.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void SeveralSequences_SplitByTheLongest_MatchReference(int splits)
    {
        _backend.AttentionSplitsOverride = splits;
        int kvWidth = KvHeads * HeadDim;
        (int Sequence, int First, int Count)[][] steps =
        [
            [(0, 0, 140), (2, 0, 5)],                // a prompt longer than one tile beside a short one
            [(2, 5, 1), (1, 0, 3), (0, 140, 1)],     // each sequence's next tokens, a new prompt between them
        ];

        float[] Run(IComputeBackend b)
        {
            using var cache = b.AllocateKvCache(layers: 2, sequences: 3, contextLength: 160, KvHeads, HeadDim, KvCacheType.F32);
            var random = new Random(60);
            float[] Random(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var outputs = new List<float>();
            foreach (var runs in steps)
            {
                var sequences = runs.SelectMany(r => Enumerable.Repeat(r.Sequence, r.Count)).ToArray();
                var positions = runs.SelectMany(r => Enumerable.Range(r.First, r.Count)).ToArray();
                int tokens = sequences.Length;
                using var qb = Upload(b, tokens, Heads * HeadDim, Random(tokens * Heads * HeadDim));
                using var kb = Upload(b, tokens, kvWidth, Random(tokens * kvWidth));
                using var vb = Upload(b, tokens, kvWidth, Random(tokens * kvWidth));
                using var output = Upload(b, tokens, Heads * HeadDim, Enumerable.Repeat(float.NaN, tokens * Heads * HeadDim).ToArray());
                b.BeginStep(new StepTokens(new int[tokens], sequences, positions));
                b.Attention(qb, kb, vb, cache, layer: 1, output, tokens, Heads, KvHeads, HeadDim);
                var result = new float[tokens * Heads * HeadDim];
                b.Read(output, tokens, result);
                outputs.AddRange(result);
            }
            return outputs.ToArray();
        }

        BackendOpsTests.AssertClose(Run(_reference), Run(_backend), 1e-4, $"3 sequences in {splits} splits");
    }

    static DeviceBuffer Upload(IComputeBackend b, int rows, int cols, float[] values)
    {
        var buffer = b.AllocateActivations(rows, cols);
        b.Write(buffer, rows, values);
        return buffer;
    }

    /// <summary>Puts earlier positions straight into the cache, as if earlier steps had stored them.</summary>
    static void FillLayer(KvCache cache, int layer, float[] keys, float[] values)
    {
        if (keys.Length == 0) return;
        switch (cache)
        {
            case ReferenceKvCache r:
                keys.CopyTo(r.Keys[layer], 0);
                values.CopyTo(r.Values[layer], 0);
                break;
            case IlgpuKvCache g:
                g.Keys!.View.SubView(g.LayerStart(layer), keys.Length).CopyFromCPU(keys);
                g.Values!.View.SubView(g.LayerStart(layer), values.Length).CopyFromCPU(values);
                break;
        }
    }
}
