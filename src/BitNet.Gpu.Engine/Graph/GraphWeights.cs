using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Model.Architectures;

namespace BitNet.Gpu.Engine.Graph;

/// <summary>Every weight of a model, uploaded once to a backend.</summary>
internal sealed class GraphWeights : IDisposable
{
    public required DeviceWeight TokenEmbedding { get; init; }
    public required DeviceWeight OutputNorm { get; init; }
    public required DeviceWeight Output { get; init; }
    public required IReadOnlyList<LayerDeviceWeights> Layers { get; init; }

    public sealed record LayerDeviceWeights(
        DeviceWeight AttentionNorm, DeviceWeight Query, DeviceWeight Key, DeviceWeight Value,
        DeviceWeight? AttentionSubNorm, DeviceWeight AttentionOutput,
        DeviceWeight FeedForwardNorm, DeviceWeight Gate, DeviceWeight Up, DeviceWeight? FeedForwardSubNorm, DeviceWeight Down);

    /// <summary>Uploads the weights; <paramref name="progress"/> gets (tensors done, tensor count, name).</summary>
    public static GraphWeights Upload(ModelDescription model, IComputeBackend backend, Action<int, int, string>? progress)
    {
        var file = model.File;
        int total = 2 + (model.TiedEmbedding ? 0 : 1) + model.Layers.Count * 11, done = 0;
        T Report<T>(T weight, string name)
        {
            progress?.Invoke(++done, total, name);
            return weight;
        }
        DeviceWeight Ternary(Model.Gguf.GgufTensorInfo t) => Report(backend.UploadTernary(file, t), t.Name);
        DeviceWeight Vector(Model.Gguf.GgufTensorInfo t) => Report(backend.UploadVector(file, t), t.Name);
        DeviceWeight? OptionalVector(Model.Gguf.GgufTensorInfo? t) => t is null ? Report<DeviceWeight?>(null, "") : Vector(t);

        var embedding = Report(backend.UploadDense(file, model.TokenEmbedding), model.TokenEmbedding.Name);
        var output = model.TiedEmbedding ? embedding : Report(backend.UploadDense(file, model.Output), model.Output.Name);
        var layers = model.Layers.Select(l => new LayerDeviceWeights(
            Vector(l.AttentionNorm), Ternary(l.Query), Ternary(l.Key), Ternary(l.Value),
            OptionalVector(l.AttentionSubNorm), Ternary(l.AttentionOutput),
            Vector(l.FeedForwardNorm), Ternary(l.Gate), Ternary(l.Up), OptionalVector(l.FeedForwardSubNorm), Ternary(l.Down))).ToList();
        return new GraphWeights
        {
            TokenEmbedding = embedding,
            OutputNorm = Vector(model.OutputNorm),
            Output = output,
            Layers = layers,
        };
    }

    /// <summary>
    /// Bytes of weights one generated token reads, as the backend stores them: every ternary projection, the output
    /// projection and one embedding row (a TQ1_0 file repacked to 2 bits reads more than the file holds).
    /// </summary>
    public long BytesReadPerToken =>
        Layers.Sum(l => new[] { l.Query, l.Key, l.Value, l.AttentionOutput, l.Gate, l.Up, l.Down }.Sum(w => w.ByteSize)) +
        Output.ByteSize + TokenEmbedding.ByteSize / TokenEmbedding.Rows;

    public long ByteSize =>
        TokenEmbedding.ByteSize + (ReferenceEquals(Output, TokenEmbedding) ? 0 : Output.ByteSize) + OutputNorm.ByteSize +
        Layers.Sum(l => All(l).Sum(w => w.ByteSize));

    static IEnumerable<DeviceWeight> All(LayerDeviceWeights l) =>
        new[] { l.AttentionNorm, l.Query, l.Key, l.Value, l.AttentionSubNorm, l.AttentionOutput, l.FeedForwardNorm, l.Gate, l.Up, l.FeedForwardSubNorm, l.Down }
            .OfType<DeviceWeight>();

    public void Dispose()
    {
        TokenEmbedding.Dispose();
        if (!ReferenceEquals(Output, TokenEmbedding)) Output.Dispose();
        OutputNorm.Dispose();
        foreach (var w in Layers.SelectMany(All)) w.Dispose();
    }
}
