using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Model.Architectures;

/// <summary>
/// Reads a GGUF file's architecture, hyperparameters and tensor table into a <see cref="ModelDescription"/>,
/// checking every shape and type. An unsupported architecture, a missing tensor or a shape mismatch is a
/// <see cref="ModelFormatException"/> that names it.
/// </summary>
public static class ModelDescriptionReader
{
    /// <summary>Largest dimension accepted (hidden, FFN, vocabulary, context): far above any real model, well below overflow.</summary>
    const int MaxDimension = 1 << 24;
    const int MaxLayers = 1024;

    public static ModelDescription Read(GgufFile file)
    {
        var metadata = file.Metadata;
        if (!metadata.TryGetString("general.architecture", out var name))
            throw new ModelFormatException(file.Path, "missing metadata key 'general.architecture': not a model file (a vocabulary-only GGUF has no weights)");
        var spec = SupportedArchitectures.Find(name!)
            ?? throw new ModelFormatException(file.Path, $"unsupported architecture '{name}' (supported: {SupportedArchitectures.Names})");

        var tokenEmbedding = file.GetTensor("token_embd.weight");
        var hp = ReadHyperparameters(file, name!, tokenEmbedding);
        var layers = Enumerable.Range(0, hp.BlockCount).Select(i => ReadLayer(file, spec, hp, i)).ToList();
        var ternaryType = layers[0].Query.Type;
        foreach (var tensor in layers.SelectMany(l => l.TernaryProjections))
        {
            if (!TensorSizes.IsTernary(tensor.Type))
                throw new ModelFormatException(file.Path, $"tensor '{tensor.Name}' is {tensor.Type}; {spec.Description} is supported with ternary weights only (I2_S, TQ1_0, TQ2_0)");
            if (tensor.Type != ternaryType)
                throw new ModelFormatException(file.Path, $"tensor '{tensor.Name}' is {tensor.Type} while blk.0.attn_q.weight is {ternaryType}; mixed ternary types are not supported");
        }

        var outputNorm = file.GetTensor("output_norm.weight");
        ExpectVector(file, outputNorm, hp.EmbeddingLength);
        var output = file.FindTensor("output.weight") ?? tokenEmbedding;
        ExpectDense(file, output);
        ExpectMatrix(file, output, hp.VocabSize, hp.EmbeddingLength);

        metadata.TryGetString("tokenizer.chat_template", out var template);
        metadata.TryGetString("general.name", out var modelName);
        return new ModelDescription
        {
            File = file,
            ArchitectureName = name!,
            Architecture = spec,
            Hyperparameters = hp,
            TokenEmbedding = tokenEmbedding,
            OutputNorm = outputNorm,
            Output = output,
            Layers = layers,
            TernaryType = ternaryType,
            ChatTemplate = template,
            Name = modelName,
        };
    }

    static Hyperparameters ReadHyperparameters(GgufFile file, string arch, GgufTensorInfo tokenEmbedding)
    {
        var m = file.Metadata;
        int Dimension(string key, int max = MaxDimension)
        {
            long value = m.GetInteger($"{arch}.{key}");
            if (value <= 0 || value > max)
                throw new ModelFormatException(file.Path, $"metadata '{arch}.{key}' = {value} is out of range (1 to {max})");
            return (int)value;
        }

        ExpectDense(file, tokenEmbedding);
        if (tokenEmbedding.Dimensions.Length != 2 || tokenEmbedding.Dimensions[1] > MaxDimension)
            throw new ModelFormatException(file.Path, $"tensor 'token_embd.weight' has shape [{tokenEmbedding.Shape}], expected [vocab × hidden]");
        int vocab = (int)tokenEmbedding.Dimensions[1];
        if (m.TryGetInteger($"{arch}.vocab_size", out long declaredVocab) && declaredVocab != vocab)
            throw new ModelFormatException(file.Path, $"metadata '{arch}.vocab_size' = {declaredVocab} but token_embd.weight has {vocab} rows");

        int hidden = Dimension("embedding_length");
        int heads = Dimension("attention.head_count");
        int kvHeads = m.Contains($"{arch}.attention.head_count_kv") ? Dimension("attention.head_count_kv") : heads;
        if (hidden % heads != 0 && !m.Contains($"{arch}.attention.key_length"))
            throw new ModelFormatException(file.Path, $"embedding_length {hidden} is not a multiple of attention.head_count {heads}");
        int headDim = m.Contains($"{arch}.attention.key_length") ? Dimension("attention.key_length") : hidden / heads;
        if (heads % kvHeads != 0)
            throw new ModelFormatException(file.Path, $"attention.head_count {heads} is not a multiple of attention.head_count_kv {kvHeads}");
        int ropeDims = m.Contains($"{arch}.rope.dimension_count") ? Dimension("rope.dimension_count") : headDim;
        if (ropeDims > headDim || ropeDims % 2 != 0)
            throw new ModelFormatException(file.Path, $"rope.dimension_count {ropeDims} must be even and at most the head size {headDim}");
        float epsilon = m.GetFloat32($"{arch}.attention.layer_norm_rms_epsilon");
        float ropeBase = m.TryGetFloat32($"{arch}.rope.freq_base", out float b) ? b : 10000f;
        if (!(epsilon > 0 && epsilon < 1) || !(ropeBase > 1 && float.IsFinite(ropeBase)))
            throw new ModelFormatException(file.Path, $"metadata rms epsilon {epsilon} or rope base {ropeBase} is out of range");

        return new Hyperparameters
        {
            VocabSize = vocab,
            EmbeddingLength = hidden,
            FeedForwardLength = Dimension("feed_forward_length"),
            BlockCount = Dimension("block_count", MaxLayers),
            HeadCount = heads,
            KeyValueHeadCount = kvHeads,
            HeadDim = headDim,
            ContextLength = Dimension("context_length"),
            RmsNormEpsilon = epsilon,
            RopeFreqBase = ropeBase,
            RopeDimensions = ropeDims,
        };
    }

    static LayerWeights ReadLayer(GgufFile file, ArchitectureSpec spec, Hyperparameters hp, int layer)
    {
        GgufTensorInfo Tensor(string name) => file.GetTensor($"blk.{layer}.{name}.weight");
        GgufTensorInfo Matrix(string name, int rows, int cols)
        {
            var tensor = Tensor(name);
            ExpectMatrix(file, tensor, rows, cols);
            return tensor;
        }
        GgufTensorInfo Vector(string name, int length)
        {
            var tensor = Tensor(name);
            ExpectVector(file, tensor, length);
            return tensor;
        }

        int hidden = hp.EmbeddingLength, ffn = hp.FeedForwardLength;
        return new LayerWeights
        {
            AttentionNorm = Vector("attn_norm", hidden),
            Query = Matrix("attn_q", hp.QueryLength, hidden),
            Key = Matrix("attn_k", hp.KeyValueLength, hidden),
            Value = Matrix("attn_v", hp.KeyValueLength, hidden),
            AttentionSubNorm = spec.HasSubNorms ? Vector("attn_sub_norm", hp.QueryLength) : null,
            AttentionOutput = Matrix("attn_output", hidden, hp.QueryLength),
            FeedForwardNorm = Vector("ffn_norm", hidden),
            Gate = Matrix("ffn_gate", ffn, hidden),
            Up = Matrix("ffn_up", ffn, hidden),
            FeedForwardSubNorm = spec.HasSubNorms ? Vector("ffn_sub_norm", ffn) : null,
            Down = Matrix("ffn_down", hidden, ffn),
        };
    }

    static void ExpectMatrix(GgufFile file, GgufTensorInfo tensor, int rows, int cols)
    {
        if (tensor.Dimensions.Length != 2 || tensor.Dimensions[0] != cols || tensor.Dimensions[1] != rows)
            throw new ModelFormatException(file.Path, $"tensor '{tensor.Name}' has shape [{tensor.Shape}], expected [{rows} × {cols}]");
    }

    static void ExpectVector(GgufFile file, GgufTensorInfo tensor, int length)
    {
        if (tensor.Dimensions.Length != 1 || tensor.Dimensions[0] != length)
            throw new ModelFormatException(file.Path, $"tensor '{tensor.Name}' has shape [{tensor.Shape}], expected [{length}]");
        if (tensor.Type != GgmlType.F32)
            throw new ModelFormatException(file.Path, $"tensor '{tensor.Name}' is {tensor.Type}, expected F32");
    }

    static void ExpectDense(GgufFile file, GgufTensorInfo tensor)
    {
        if (tensor.Type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 or GgmlType.Q8_0 or GgmlType.Q4_K or GgmlType.Q6_K))
            throw new ModelFormatException(file.Path, $"tensor '{tensor.Name}' is {tensor.Type}; embeddings and output must be F32, F16, BF16, Q8_0, Q4_K or Q6_K");
    }
}
