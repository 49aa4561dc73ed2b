using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Convert;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Model.Synthetic;

/// <summary>
/// Writes a GGUF model of any supported architecture and shape with seeded random weights: ternary projections with
/// about a third zeros, norms near 1, a small normal embedding, and a real or generated vocabulary. Tensors are
/// generated one at a time, in parallel chunks, straight into the file (a 2B4T-sized model streams; it is never held whole).
/// The same options and seed give the same file.
/// </summary>
public static class SyntheticModel
{
    public static void Write(SyntheticModelOptions options, string outputPath, Action<ConversionProgress>? progress = null)
    {
        options.Validate();
        var spec = SupportedArchitectures.Find(options.Architecture)!;
        var (vocabulary, vocabSize) = SyntheticVocabulary.Build(options.VocabularyPath, options.VocabSize);

        var writer = new GgufWriter();
        string arch = spec.Name;
        writer.Add("general.architecture", arch);
        writer.Add("general.name", options.Name ?? $"synthetic-{arch}");
        HyperparameterKeys.Write(writer, arch, vocabSize, options.ContextLength, options.HiddenSize, options.LayerCount,
            options.FeedForwardLength, options.HeadCount, options.KeyValueHeadCount, options.HeadDim, options.RmsNormEpsilon, options.RopeFreqBase);
        writer.Add("general.file_type", HuggingFaceConverter.FileType(options.TernaryType));
        writer.Add("general.quantization_version", 2u);
        foreach (var (key, value) in vocabulary)
            writer.Metadata.Set(key, value);

        var plan = new TensorPlan();
        PlanTensors(plan, options, spec, vocabSize);
        plan.Write(writer, outputPath, lookahead: 1, progress);
    }

    static void PlanTensors(TensorPlan plan, SyntheticModelOptions o, ArchitectureSpec spec, int vocab)
    {
        int hidden = o.HiddenSize, ffn = o.FeedForwardLength;
        int queryWidth = o.HeadCount * o.HeadDim, keyValueWidth = o.KeyValueHeadCount * o.HeadDim;

        Dense(plan, o, "token_embd.weight", o.EmbeddingType, 0f, 0.02f, hidden, vocab);
        Dense(plan, o, "output_norm.weight", Formats.GgmlType.F32, 1f, 0.05f, hidden);
        if (!o.TiedEmbedding)
            Dense(plan, o, "output.weight", o.EmbeddingType, 0f, 0.02f, hidden, vocab);
        for (int layer = 0; layer < o.LayerCount; layer++)
        {
            string blk = $"blk.{layer}.";
            Dense(plan, o, blk + "attn_norm.weight", Formats.GgmlType.F32, 1f, 0.05f, hidden);
            Ternary(plan, o, blk + "attn_q.weight", queryWidth, hidden);
            Ternary(plan, o, blk + "attn_k.weight", keyValueWidth, hidden);
            Ternary(plan, o, blk + "attn_v.weight", keyValueWidth, hidden);
            if (spec.HasSubNorms) Dense(plan, o, blk + "attn_sub_norm.weight", Formats.GgmlType.F32, 1f, 0.05f, queryWidth);
            Ternary(plan, o, blk + "attn_output.weight", hidden, queryWidth);
            Dense(plan, o, blk + "ffn_norm.weight", Formats.GgmlType.F32, 1f, 0.05f, hidden);
            Ternary(plan, o, blk + "ffn_gate.weight", ffn, hidden);
            Ternary(plan, o, blk + "ffn_up.weight", ffn, hidden);
            if (spec.HasSubNorms) Dense(plan, o, blk + "ffn_sub_norm.weight", Formats.GgmlType.F32, 1f, 0.05f, ffn);
            Ternary(plan, o, blk + "ffn_down.weight", hidden, ffn);
        }
    }

    /// <param name="dimensions">innermost first, as GGUF stores them</param>
    static void Dense(TensorPlan plan, SyntheticModelOptions o, string name, Formats.GgmlType type, float mean, float spread, params long[] dimensions)
    {
        long count = dimensions.Aggregate(1L, (a, d) => a * d);
        plan.Add(name, type, dimensions, () => DenseEncoder.Encode(count, type,
            (first, buffer) => RandomTensors.Normal(o.Seed, name, first, buffer, mean, spread)));
    }

    static void Ternary(TensorPlan plan, SyntheticModelOptions o, string name, int rows, int columns) =>
        plan.Add(name, o.TernaryType, [columns, rows],
            () => TernaryEncoder.Encode(RandomTensors.Ternary(o.Seed, name, rows, columns), o.TernaryType));
}
