using System.Text.Json;
using BitNet.Gpu.Model.Architectures;

namespace BitNet.Gpu.Model.Convert;

/// <summary>
/// What the converter needs from a Hugging Face <c>config.json</c>: the GGUF architecture it maps to and the shape.
/// BitNetForCausalLM (Microsoft's 2B4T) → bitnet-b1.58; BitnetForCausalLM (1bitLLM) → bitnet;
/// LlamaForCausalLM with a bitnet <c>quantization_config</c> (Falcon3 1.58-bit, Llama3-8B-1.58) → llama.
/// </summary>
public sealed record HuggingFaceConfig
{
    public required string HuggingFaceArchitecture { get; init; }
    public required ArchitectureSpec Architecture { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int LayerCount { get; init; }
    public required int HeadCount { get; init; }
    public required int KeyValueHeadCount { get; init; }
    public required int HeadDim { get; init; }
    public required int ContextLength { get; init; }
    public required float RmsNormEpsilon { get; init; }
    public required float RopeTheta { get; init; }
    public required bool TieWordEmbeddings { get; init; }
    public int? BosTokenId { get; init; }
    public int? EosTokenId { get; init; }

    const int MaxDimension = 1 << 24;

    public static HuggingFaceConfig Read(string configPath)
    {
        using var document = JsonFields.Load(configPath);
        var root = JsonFields.Object(configPath, document.RootElement, "config.json");
        var architectures = JsonFields.Required(configPath, root, "architectures");
        if (architectures.ValueKind != JsonValueKind.Array || architectures.GetArrayLength() == 0)
            throw new ModelFormatException(configPath, "'architectures' should be a non-empty array of names");
        string hfArchitecture = JsonFields.String(configPath, architectures[0], "architectures[0]");
        var spec = MapArchitecture(configPath, hfArchitecture, root);

        int Dimension(string field, int? fallback = null, int max = MaxDimension)
        {
            int value = fallback is null ? JsonFields.RequiredInt(configPath, root, field) : JsonFields.OptionalInt(configPath, root, field) ?? fallback.Value;
            if (value <= 0 || value > max)
                throw new ModelFormatException(configPath, $"'{field}' = {value} is out of range (1 to {max})");
            return value;
        }

        int hidden = Dimension("hidden_size");
        int heads = Dimension("num_attention_heads");
        int kvHeads = Dimension("num_key_value_heads", heads);
        if (heads % kvHeads != 0)
            throw new ModelFormatException(configPath, $"num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}");
        if (!root.TryGetProperty("head_dim", out _) && hidden % heads != 0)
            throw new ModelFormatException(configPath, $"hidden_size {hidden} is not a multiple of num_attention_heads {heads}");
        int headDim = Dimension("head_dim", hidden / Math.Max(heads, 1));
        if (headDim % 2 != 0)
            throw new ModelFormatException(configPath, $"head size {headDim} is odd; RoPE needs pairs");

        float epsilon = (float)(JsonFields.OptionalNumber(configPath, root, "rms_norm_eps") ?? 1e-6);
        float ropeTheta = (float)(JsonFields.OptionalNumber(configPath, root, "rope_theta") ?? 10000.0);
        if (!(epsilon > 0 && epsilon < 1) || !(ropeTheta > 1 && float.IsFinite(ropeTheta)))
            throw new ModelFormatException(configPath, $"rms_norm_eps {epsilon} or rope_theta {ropeTheta} is out of range");

        return new HuggingFaceConfig
        {
            HuggingFaceArchitecture = hfArchitecture,
            Architecture = spec,
            VocabSize = Dimension("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = Dimension("intermediate_size"),
            LayerCount = Dimension("num_hidden_layers", max: 1024),
            HeadCount = heads,
            KeyValueHeadCount = kvHeads,
            HeadDim = headDim,
            ContextLength = Dimension("max_position_embeddings", 4096),
            RmsNormEpsilon = epsilon,
            RopeTheta = ropeTheta,
            // transformers' PretrainedConfig ties by default; LlamaConfig does not.
            TieWordEmbeddings = JsonFields.OptionalBool(configPath, root, "tie_word_embeddings") ?? spec != SupportedArchitectures.Llama,
            BosTokenId = TokenId(configPath, root, "bos_token_id"),
            EosTokenId = TokenId(configPath, root, "eos_token_id"),
        };
    }

    static ArchitectureSpec MapArchitecture(string configPath, string hfArchitecture, JsonElement root)
    {
        switch (hfArchitecture)
        {
            case "BitNetForCausalLM":
                return SupportedArchitectures.BitNetB158;
            case "BitnetForCausalLM":
                return SupportedArchitectures.BitNet;
            case "LlamaForCausalLM":
                var quantization = JsonFields.Optional(root, "quantization_config");
                string? method = quantization is { ValueKind: JsonValueKind.Object } q ? JsonFields.OptionalString(configPath, q, "quant_method") : null;
                if (method != "bitnet")
                    throw new ModelFormatException(configPath, "LlamaForCausalLM without a bitnet quantization_config is not a ternary model (quantization_config.quant_method should be \"bitnet\")");
                return SupportedArchitectures.Llama;
            default:
                throw new ModelFormatException(configPath, $"unsupported architecture '{hfArchitecture}' (supported: BitNetForCausalLM, BitnetForCausalLM, LlamaForCausalLM with quant_method bitnet)");
        }
    }

    /// <summary>A token id field; a list (several eos ids) gives its first entry.</summary>
    static int? TokenId(string path, JsonElement root, string field) => JsonFields.Optional(root, field) switch
    {
        { ValueKind: JsonValueKind.Array } list when list.GetArrayLength() > 0 => JsonFields.Int(path, list[0], field),
        { ValueKind: JsonValueKind.Number } id => JsonFields.Int(path, id, field),
        _ => null,
    };
}
