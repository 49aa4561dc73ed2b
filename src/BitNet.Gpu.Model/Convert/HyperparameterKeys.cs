using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Model.Convert;

/// <summary>The model-shape keys ModelDescriptionReader reads, written under the architecture's prefix as llama.cpp names them.</summary>
public static class HyperparameterKeys
{
    public static void Write(GgufWriter writer, string arch, int vocabSize, int contextLength, int hidden, int blockCount,
        int feedForward, int heads, int keyValueHeads, int headDim, float rmsEpsilon, float ropeFreqBase)
    {
        writer.Add($"{arch}.vocab_size", (uint)vocabSize);
        writer.Add($"{arch}.context_length", (uint)contextLength);
        writer.Add($"{arch}.embedding_length", (uint)hidden);
        writer.Add($"{arch}.block_count", (uint)blockCount);
        writer.Add($"{arch}.feed_forward_length", (uint)feedForward);
        writer.Add($"{arch}.rope.dimension_count", (uint)headDim);
        writer.Add($"{arch}.attention.head_count", (uint)heads);
        writer.Add($"{arch}.attention.head_count_kv", (uint)keyValueHeads);
        if (headDim * heads != hidden)
        {
            writer.Add($"{arch}.attention.key_length", (uint)headDim);
            writer.Add($"{arch}.attention.value_length", (uint)headDim);
        }
        writer.Add($"{arch}.attention.layer_norm_rms_epsilon", rmsEpsilon);
        writer.Add($"{arch}.rope.freq_base", ropeFreqBase);
    }
}
