using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Reference;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Engine.Backends;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// A tiny seeded BitNet b1.58 model (2 layers, hidden 128, 2 heads of 64 over 1 KV head, I2_S weights, F16 embedding)
/// through the whole transformer graph on ILGPU's CPU accelerator and on the reference: a 4-token prompt, then
/// two more tokens, with the KV cache (f32 or f16) carried between steps. Int8 activation rounding can flip on float-order
/// differences, so logits are compared to 0.1% of their largest magnitude (the measured error is about 1e-7) and the
/// greedy next tokens must agree.
/// </summary>
public sealed class IlgpuGraphTests
{
    internal const int Vocab = 61, Hidden = 128, FeedForward = 256, Heads = 2, KvHeads = 1, Layers = 2, Context = 8;

    [Theory]
    [InlineData(KvCacheType.F32)]
    [InlineData(KvCacheType.F16)] // both round what they store to the nearest f16
    public void TinyBitNet_PromptThenGeneration_MatchesReference(KvCacheType cacheType)
    {
        using var directory = new TempDirectory();
        using var file = OpenTinyModel(directory);
        var model = ModelDescriptionReader.Read(file);

        int[] prompt = [3, 17, 42, 60];
        int[] generated = [29, 7];
        var expected = Run(model, new ReferenceBackend(), prompt, generated, cacheType);
        // Shared-memory row sums: the faster path on the CPU accelerator (the op suites cover both).
        var actual = Run(model, IlgpuAccelerators.CreateCpuBackend(portableReductions: true), prompt, generated, cacheType);

        for (int step = 0; step < expected.Count; step++)
        {
            BackendOpsTests.AssertClose(expected[step], actual[step], 1e-3, $"{cacheType.Name()} cache: logits after step {step}");
            Assert.Equal(ArgMax(expected[step]), ArgMax(actual[step]));
        }
    }

    static List<float[]> Run(ModelDescription model, IComputeBackend backend, int[] prompt, int[] generated, KvCacheType cacheType)
    {
        using var _ = backend;
        using var graph = new TransformerGraph(model, backend, Context, maxBatch: 8, cacheType: cacheType);
        var steps = new List<float[]>();
        var logits = new float[Vocab];
        graph.Forward(prompt, logits);
        steps.Add((float[])logits.Clone());
        foreach (int token in generated)
        {
            graph.Forward([token], logits);
            steps.Add((float[])logits.Clone());
        }
        return steps;
    }

    static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    /// <summary>Writes the tiny model into <paramref name="directory"/> and opens it (kept open while a graph uploads from it).</summary>
    internal static GgufFile OpenTinyModel(TempDirectory directory)
    {
        string path = directory.File("tiny-bitnet.gguf");
        WriteTinyModel(path);
        return GgufFile.Open(path);
    }

    internal static void WriteTinyModel(string path)
    {
        var random = new Random(50);
        var writer = new GgufWriter();
        const string arch = "bitnet-b1.58";
        writer.Add("general.architecture", arch);
        writer.Add($"{arch}.embedding_length", (uint)Hidden);
        writer.Add($"{arch}.feed_forward_length", (uint)FeedForward);
        writer.Add($"{arch}.block_count", (uint)Layers);
        writer.Add($"{arch}.attention.head_count", (uint)Heads);
        writer.Add($"{arch}.attention.head_count_kv", (uint)KvHeads);
        writer.Add($"{arch}.context_length", (uint)Context);
        writer.Add($"{arch}.attention.layer_norm_rms_epsilon", 1e-5f);
        writer.Add($"{arch}.rope.freq_base", 500000f);

        writer.AddTensor("token_embd.weight", GgmlType.F16, [Hidden, Vocab], HalfValues(random, Vocab * Hidden));
        writer.AddTensor("output_norm.weight", GgmlType.F32, [Hidden], NormValues(random, Hidden));
        int kvLength = KvHeads * (Hidden / Heads);
        for (int layer = 0; layer < Layers; layer++)
        {
            void Ternary(string name, int rows, int cols) =>
                writer.AddTensor($"blk.{layer}.{name}.weight", GgmlType.I2_S, [cols, rows], TernaryValues(random, rows, cols));
            void Norm(string name, int length) =>
                writer.AddTensor($"blk.{layer}.{name}.weight", GgmlType.F32, [length], NormValues(random, length));
            Norm("attn_norm", Hidden);
            Ternary("attn_q", Hidden, Hidden);
            Ternary("attn_k", kvLength, Hidden);
            Ternary("attn_v", kvLength, Hidden);
            Norm("attn_sub_norm", Hidden);
            Ternary("attn_output", Hidden, Hidden);
            Norm("ffn_norm", Hidden);
            Ternary("ffn_gate", FeedForward, Hidden);
            Ternary("ffn_up", FeedForward, Hidden);
            Norm("ffn_sub_norm", FeedForward);
            Ternary("ffn_down", Hidden, FeedForward);
        }
        writer.Write(path);
    }

    static byte[] TernaryValues(Random random, int rows, int cols)
    {
        var values = new sbyte[rows * cols];
        for (int i = 0; i < values.Length; i++) values[i] = (sbyte)(random.Next(3) - 1);
        var bytes = new byte[TensorSizes.ByteSize(GgmlType.I2_S, values.Length)];
        I2S.Pack(values, (float)(0.05 + 0.05 * random.NextDouble()), bytes);
        return bytes;
    }

    static byte[] HalfValues(Random random, int count)
    {
        var bytes = new byte[count * 2];
        for (int i = 0; i < count; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), (Half)(random.NextDouble() * 2 - 1));
        return bytes;
    }

    static byte[] NormValues(Random random, int count)
    {
        var bytes = new byte[count * 4];
        for (int i = 0; i < count; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), (float)(0.8 + 0.4 * random.NextDouble()));
        return bytes;
    }
}
