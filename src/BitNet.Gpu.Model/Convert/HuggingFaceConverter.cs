using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Model.SafeTensors;

namespace BitNet.Gpu.Model.Convert;

/// <summary>
/// Converts a Hugging Face BitNet checkpoint folder (config.json, *.safetensors, tokenizer.json,
/// tokenizer_config.json) into a GGUF file bitnet-gpu runs: ternary projections in I2_S (byte-identical to
/// bitnet.cpp's converter), TQ2_0 or TQ1_0 (as llama.cpp's), the embedding in F16 by default, norms in F32,
/// and the vocabulary metadata. One tensor at a time; see <see cref="TensorPlan"/>.
/// </summary>
public static class HuggingFaceConverter
{
    /// <summary>general.file_type values: llama.cpp's LLAMA_FTYPE_MOSTLY_TQ1_0 / TQ2_0 and bitnet.cpp's MOSTLY_I2_S.</summary>
    public static uint FileType(GgmlType ternaryType) => ternaryType switch
    {
        GgmlType.TQ1_0 => 36,
        GgmlType.TQ2_0 => 37,
        GgmlType.I2_S => 40,
        _ => throw new ArgumentException($"{ternaryType} is not a ternary type (I2_S, TQ2_0, TQ1_0)", nameof(ternaryType)),
    };

    public static void Convert(string hfDir, string outputPath, GgmlType ternaryType, ConversionOptions? options = null,
        Action<ConversionProgress>? progress = null)
    {
        options ??= new ConversionOptions();
        CheckTypes(ternaryType, options);
        string configPath = Path.Combine(hfDir, "config.json");
        if (!Directory.Exists(hfDir))
            throw new DirectoryNotFoundException($"checkpoint folder not found: {hfDir}");
        if (!File.Exists(configPath))
            throw new ModelFormatException(configPath, "not found: the folder is not a Hugging Face checkpoint");
        var config = HuggingFaceConfig.Read(configPath);
        CheckShapeFitsType(configPath, config, ternaryType, options.EmbeddingType);

        using var checkpoint = SafeTensorsCheckpoint.OpenDirectory(hfDir);
        var writer = new GgufWriter();
        string arch = config.Architecture.Name;
        writer.Add("general.architecture", arch);
        writer.Add("general.name", options.Name ?? new DirectoryInfo(hfDir).Name);
        HyperparameterKeys.Write(writer, arch, config.VocabSize, config.ContextLength, config.HiddenSize, config.LayerCount,
            config.IntermediateSize, config.HeadCount, config.KeyValueHeadCount, config.HeadDim, config.RmsNormEpsilon, config.RopeTheta);
        writer.Add("general.file_type", FileType(ternaryType));
        writer.Add("general.quantization_version", 2u);
        if (!options.SkipVocabulary)
            AddVocabulary(writer, hfDir, config);

        var plan = new TensorPlan();
        PlanTensors(plan, checkpoint, config, ternaryType, options.EmbeddingType);
        plan.Write(writer, outputPath, Math.Max(0, options.Lookahead), progress);
    }

    static void CheckTypes(GgmlType ternaryType, ConversionOptions options)
    {
        if (!TernaryEncoder.IsTernaryType(ternaryType))
            throw new ArgumentException($"{ternaryType} is not a ternary type (I2_S, TQ2_0, TQ1_0)", nameof(ternaryType));
        if (!DenseEncoder.IsDenseType(options.EmbeddingType))
            throw new ArgumentException($"embedding type {options.EmbeddingType} is not F32, F16, BF16, Q8_0, Q4_K or Q6_K", nameof(options));
    }

    /// <summary>
    /// GGUF rows of a block type hold whole blocks: 128 values for I2_S, 256 for TQ1_0/TQ2_0 (and a Q4_K or Q6_K embedding),
    /// 32 for a Q8_0 embedding.
    /// </summary>
    static void CheckShapeFitsType(string configPath, HuggingFaceConfig config, GgmlType ternaryType, GgmlType embeddingType)
    {
        int block = TensorSizes.ValuesPerBlock(ternaryType);
        foreach (var (what, columns) in new[] { ("hidden_size", config.HiddenSize), ("intermediate_size", config.IntermediateSize), ("query width", config.HeadCount * config.HeadDim) })
            if (columns % block != 0)
                throw new ModelFormatException(configPath, $"{what} {columns} is not a multiple of {block}, the block size of {ternaryType}");
        int embeddingBlock = TensorSizes.ValuesPerBlock(embeddingType);
        if (config.HiddenSize % embeddingBlock != 0)
            throw new ModelFormatException(configPath, $"hidden_size {config.HiddenSize} is not a multiple of {embeddingBlock}, the block size of the {embeddingType} embedding");
    }

    static void AddVocabulary(GgufWriter writer, string hfDir, HuggingFaceConfig config)
    {
        string tokenizerPath = Path.Combine(hfDir, "tokenizer.json");
        if (!File.Exists(tokenizerPath))
            throw new ModelFormatException(tokenizerPath, "missing tokenizer.json (convert with SkipVocabulary to leave the vocabulary out)");
        foreach (var (key, value) in HuggingFaceVocabularyExporter.ExportDirectory(hfDir, config.VocabSize, config.BosTokenId, config.EosTokenId))
            writer.Metadata.Set(key, value);
        if (!writer.Metadata.Contains("tokenizer.ggml.add_bos_token"))
            writer.Add("tokenizer.ggml.add_bos_token", true); // bitnet.cpp's converter always sets it
    }

    static void PlanTensors(TensorPlan plan, SafeTensorsCheckpoint checkpoint, HuggingFaceConfig config, GgmlType ternaryType, GgmlType embeddingType)
    {
        int hidden = config.HiddenSize, ffn = config.IntermediateSize, vocab = config.VocabSize;
        int queryWidth = config.HeadCount * config.HeadDim, keyValueWidth = config.KeyValueHeadCount * config.HeadDim;

        PlanDense(plan, checkpoint, "model.embed_tokens.weight", "token_embd.weight", embeddingType, vocab, hidden);
        PlanDense(plan, checkpoint, "model.norm.weight", "output_norm.weight", GgmlType.F32, hidden);
        if (!config.TieWordEmbeddings && checkpoint.Contains("lm_head.weight"))
            PlanDense(plan, checkpoint, "lm_head.weight", "output.weight", embeddingType, vocab, hidden);

        bool permute = config.Architecture.Rope == RopeStyle.Interleaved;
        for (int layer = 0; layer < config.LayerCount; layer++)
        {
            string hf = $"model.layers.{layer}.", gguf = $"blk.{layer}.";
            void Ternary(string from, string to, int rows, int columns, int? permuteHeads = null) =>
                PlanTernary(plan, checkpoint, hf + from, gguf + to, ternaryType, rows, columns, permuteHeads);

            PlanDense(plan, checkpoint, hf + "input_layernorm.weight", gguf + "attn_norm.weight", GgmlType.F32, hidden);
            Ternary("self_attn.q_proj.weight", "attn_q.weight", queryWidth, hidden, permute ? config.HeadCount : null);
            Ternary("self_attn.k_proj.weight", "attn_k.weight", keyValueWidth, hidden, permute ? config.KeyValueHeadCount : null);
            Ternary("self_attn.v_proj.weight", "attn_v.weight", keyValueWidth, hidden);
            if (config.Architecture.HasSubNorms)
                PlanDense(plan, checkpoint, SubNormName(checkpoint, hf, "self_attn.attn_sub_norm.weight", "self_attn.inner_attn_ln.weight"), gguf + "attn_sub_norm.weight", GgmlType.F32, queryWidth);
            Ternary("self_attn.o_proj.weight", "attn_output.weight", hidden, queryWidth);
            PlanDense(plan, checkpoint, hf + "post_attention_layernorm.weight", gguf + "ffn_norm.weight", GgmlType.F32, hidden);
            Ternary("mlp.gate_proj.weight", "ffn_gate.weight", ffn, hidden);
            Ternary("mlp.up_proj.weight", "ffn_up.weight", ffn, hidden);
            if (config.Architecture.HasSubNorms)
                PlanDense(plan, checkpoint, SubNormName(checkpoint, hf, "mlp.ffn_sub_norm.weight", "mlp.ffn_layernorm.weight"), gguf + "ffn_sub_norm.weight", GgmlType.F32, ffn);
            Ternary("mlp.down_proj.weight", "ffn_down.weight", hidden, ffn);
        }
    }

    /// <summary>2B4T names the sub-norms attn_sub_norm/ffn_sub_norm; 1bitLLM's checkpoints inner_attn_ln/ffn_layernorm.</summary>
    static string SubNormName(SafeTensorsCheckpoint checkpoint, string prefix, string name, string alternative) =>
        checkpoint.Contains(prefix + name) || !checkpoint.Contains(prefix + alternative) ? prefix + name : prefix + alternative;

    /// <param name="shape">outermost first, as Hugging Face stores it</param>
    static void PlanDense(TensorPlan plan, SafeTensorsCheckpoint checkpoint, string hfName, string ggufName, GgmlType type, params int[] shape)
    {
        var tensor = checkpoint.Get(hfName);
        HuggingFaceTensorReader.ExpectShape(tensor, shape.Select(d => (long)d).ToArray());
        if (!HuggingFaceTensorReader.IsFloat(tensor))
            throw new ModelFormatException(tensor.FilePath, $"tensor '{hfName}' is {tensor.DType}, expected F32, F16 or BF16");
        var dimensions = shape.Reverse().Select(d => (long)d).ToArray();
        plan.Add(ggufName, type, dimensions, () => DenseEncoder.Encode(tensor.ElementCount, type,
            (first, buffer) => HuggingFaceTensorReader.ReadFloat32(checkpoint, tensor, first, buffer)));
    }

    static void PlanTernary(TensorPlan plan, SafeTensorsCheckpoint checkpoint, string hfName, string ggufName, GgmlType type,
        int rows, int columns, int? permuteHeads)
    {
        checkpoint.Get(hfName); // a missing tensor fails before anything is written
        plan.Add(ggufName, type, [columns, rows], () =>
        {
            var weight = TernaryWeightReader.Read(checkpoint, hfName, rows, columns, permuteHeads);
            return TernaryEncoder.Encode(weight, type);
        });
    }
}
