using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Model.Architectures;

namespace BitNet.Gpu.Engine.Graph;

/// <summary>The activation buffers of one forward step, allocated once on the backend for up to maxBatch tokens.</summary>
internal sealed class GraphActivations : IDisposable
{
    public DeviceBuffer X { get; }                    // [batch × hidden] the residual stream
    public DeviceBuffer H { get; }                    // [batch × hidden] normed input / projection output
    public DeviceBuffer HiddenQuantized { get; }      // [batch × hidden] int8 + scale per token
    public DeviceBuffer Q { get; }                    // [batch × heads·headDim]
    public DeviceBuffer K { get; }                    // [batch × kvHeads·headDim]
    public DeviceBuffer V { get; }                    // [batch × kvHeads·headDim]
    public DeviceBuffer AttentionOut { get; }         // [batch × heads·headDim]
    public DeviceBuffer AttentionQuantized { get; }   // [batch × heads·headDim] int8
    public DeviceBuffer Gate { get; }                 // [batch × ffn]
    public DeviceBuffer Up { get; }                   // [batch × ffn]
    public DeviceBuffer FeedForwardQuantized { get; } // [batch × ffn] int8
    public DeviceBuffer LastHidden { get; }           // [1 × hidden]
    public DeviceBuffer Logits { get; }               // [1 × vocab] the last token's logits
    DeviceBuffer? _allLogits;                         // [batch × vocab] when several tokens' logits are asked for
    DeviceBuffer? _selected;                          // [batch × hidden] the normed hidden states whose logits are needed
    readonly IComputeBackend _backend;
    readonly int _batch, _vocab, _hidden;

    public GraphActivations(IComputeBackend b, Hyperparameters hp, int batch)
    {
        X = b.AllocateActivations(batch, hp.EmbeddingLength);
        H = b.AllocateActivations(batch, hp.EmbeddingLength);
        HiddenQuantized = b.AllocateQuantized(batch, hp.EmbeddingLength);
        Q = b.AllocateActivations(batch, hp.QueryLength);
        K = b.AllocateActivations(batch, hp.KeyValueLength);
        V = b.AllocateActivations(batch, hp.KeyValueLength);
        AttentionOut = b.AllocateActivations(batch, hp.QueryLength);
        AttentionQuantized = b.AllocateQuantized(batch, hp.QueryLength);
        Gate = b.AllocateActivations(batch, hp.FeedForwardLength);
        Up = b.AllocateActivations(batch, hp.FeedForwardLength);
        FeedForwardQuantized = b.AllocateQuantized(batch, hp.FeedForwardLength);
        LastHidden = b.AllocateActivations(1, hp.EmbeddingLength);
        Logits = b.AllocateActivations(1, hp.VocabSize);
        (_backend, _batch, _vocab, _hidden) = (b, batch, hp.VocabSize, hp.EmbeddingLength);
    }

    /// <summary>Logits for every token of a batch, allocated on first use (they are large: batch × vocab).</summary>
    public DeviceBuffer AllLogits => _allLogits ??= _backend.AllocateActivations(_batch, _vocab);

    /// <summary>The hidden states of the tokens whose logits a batched step needs, gathered (allocated on first use).</summary>
    public DeviceBuffer Selected => _selected ??= _backend.AllocateActivations(_batch, _hidden);

    public void Dispose()
    {
        _allLogits?.Dispose();
        _selected?.Dispose();
        foreach (var buffer in new[] { X, H, HiddenQuantized, Q, K, V, AttentionOut, AttentionQuantized, Gate, Up, FeedForwardQuantized, LastHidden, Logits })
            buffer.Dispose();
    }
}
