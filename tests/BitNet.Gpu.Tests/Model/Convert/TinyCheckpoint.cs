using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.SafeTensors;

namespace BitNet.Gpu.Tests.Model.Convert;

/// <summary>How a test checkpoint stores its linear weights.</summary>
public enum WeightForm
{
    /// <summary>bf16 master weights (microsoft/bitnet-b1.58-2B-4T-bf16).</summary>
    MasterBf16,
    /// <summary>f32 values already ternary, t × scale.</summary>
    Ternary,
    /// <summary>uint8 (rows/4, cols) + weight_scale (microsoft/bitnet-b1.58-2B-4T).</summary>
    Packed,
}

/// <summary>
/// A tiny Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer files) with seeded random weights.
/// Every form stores the same model: the ternary and packed forms hold the absmean ternarization of the bf16 masters,
/// so all three must convert to the same GGUF.
/// </summary>
internal sealed class TinyCheckpoint
{
    public const int Hidden = 256, Ffn = 512, Layers = 2, Heads = 4, KvHeads = 2, HeadDim = Hidden / Heads, Vocab = TinyTokenizer.VocabSize;

    /// <summary>The bf16 master of every float tensor, as floats (HF names, HF layout).</summary>
    public Dictionary<string, float[]> Masters { get; } = new();
    /// <summary>The expected ternarization of each linear weight in HF layout: bitnet.cpp's absmean rule.</summary>
    public Dictionary<string, (sbyte[] Values, float Scale)> Expected { get; } = new();

    public static readonly string[] Linear = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"];

    public static (int Rows, int Columns) Shape(string linear) => linear switch
    {
        "self_attn.q_proj" => (Heads * HeadDim, Hidden),
        "self_attn.k_proj" or "self_attn.v_proj" => (KvHeads * HeadDim, Hidden),
        "self_attn.o_proj" => (Hidden, Heads * HeadDim),
        "mlp.gate_proj" or "mlp.up_proj" => (Ffn, Hidden),
        "mlp.down_proj" => (Hidden, Ffn),
        _ => throw new ArgumentException(linear),
    };

    public static JsonObject Config(string hfArchitecture, bool? tie = true, bool bitnetQuantization = false) => new()
    {
        ["architectures"] = new JsonArray(hfArchitecture),
        ["hidden_size"] = Hidden,
        ["intermediate_size"] = Ffn,
        ["num_hidden_layers"] = Layers,
        ["num_attention_heads"] = Heads,
        ["num_key_value_heads"] = KvHeads,
        ["vocab_size"] = Vocab,
        ["max_position_embeddings"] = 512,
        ["rms_norm_eps"] = 1e-5,
        ["rope_theta"] = 500000.0,
        ["tie_word_embeddings"] = tie,
        ["hidden_act"] = "relu2",
        ["quantization_config"] = bitnetQuantization ? new JsonObject { ["quant_method"] = "bitnet", ["linear_class"] = "autobitlinear" } : null,
    };

    /// <summary>Writes the folder. <paramref name="subNorms"/>: the layers carry attn_sub_norm and ffn_sub_norm (BitNet).</summary>
    public static TinyCheckpoint Write(string directory, JsonObject config, WeightForm form, bool subNorms, bool lmHead, int seed,
        Func<string, bool>? skip = null)
    {
        var checkpoint = new TinyCheckpoint();
        var random = new Random(seed);
        var writer = new SafeTensorsWriter();
        writer.Metadata["format"] = "pt";

        void Dense(string name, long[] shape, float mean, float spread)
        {
            var values = new float[shape.Aggregate(1L, (a, d) => a * d)];
            for (int i = 0; i < values.Length; i++) values[i] = BF16.ToFloat(BF16.FromFloat(mean + spread * Normal(random)));
            checkpoint.Masters[name] = values;
            if (skip?.Invoke(name) != true) writer.Add(name, SafeTensorsDType.BF16, shape, ToBf16(values));
        }

        Dense("model.embed_tokens.weight", [Vocab, Hidden], 0, 0.02f);
        Dense("model.norm.weight", [Hidden], 1, 0.1f);
        if (lmHead) Dense("lm_head.weight", [Vocab, Hidden], 0, 0.02f);
        for (int layer = 0; layer < Layers; layer++)
        {
            string prefix = $"model.layers.{layer}.";
            Dense(prefix + "input_layernorm.weight", [Hidden], 1, 0.1f);
            Dense(prefix + "post_attention_layernorm.weight", [Hidden], 1, 0.1f);
            if (subNorms)
            {
                Dense(prefix + "self_attn.attn_sub_norm.weight", [Heads * HeadDim], 1, 0.1f);
                Dense(prefix + "mlp.ffn_sub_norm.weight", [Ffn], 1, 0.1f);
            }
            foreach (string linear in Linear)
            {
                string name = prefix + linear + ".weight";
                var (rows, columns) = Shape(linear);
                var master = new float[rows * columns];
                for (int i = 0; i < master.Length; i++) master[i] = BF16.ToFloat(BF16.FromFloat(0.05f * Normal(random)));
                checkpoint.Masters[name] = master;
                var ternary = new sbyte[master.Length];
                float scale = Ternarize.Absmean(master, ternary);
                checkpoint.Expected[name] = (ternary, scale);
                if (skip?.Invoke(name) == true) continue;
                switch (form)
                {
                    case WeightForm.MasterBf16:
                        writer.Add(name, SafeTensorsDType.BF16, [rows, columns], ToBf16(master));
                        break;
                    case WeightForm.Ternary:
                        writer.Add(name, ternary.Select(t => t * scale).ToArray(), [rows, columns]);
                        break;
                    case WeightForm.Packed:
                        // weight_scale is the inverse scale s = 1 / max(mean|W|, 1e-5) of the absmean rule.
                        float inverse = 1f / MathF.Max(Ternarize.MeanAbs(master), 1e-5f);
                        writer.Add(name, SafeTensorsDType.U8, [rows / 4, columns], PackRows(ternary, rows, columns));
                        writer.Add(prefix + linear + ".weight_scale", [inverse], [1]);
                        break;
                }
            }
        }
        writer.Write(Path.Combine(directory, "model.safetensors"));
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());
        TinyTokenizer.Write(directory, TinyTokenizer.ByteLevel(), TinyTokenizer.Config());
        return checkpoint;
    }

    /// <summary>transformers' packing: row r = i·(rows/4) + j goes to packed row j, bits 2i..2i+1, as t + 1.</summary>
    public static byte[] PackRows(sbyte[] ternary, int rows, int columns)
    {
        int packedRows = rows / 4;
        var packed = new byte[packedRows * columns];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                packed[r % packedRows * columns + c] |= (byte)((ternary[r * columns + c] + 1) << (2 * (r / packedRows)));
        return packed;
    }

    static byte[] ToBf16(float[] values)
    {
        var bytes = new byte[values.Length * 2];
        BF16.FromFloat(values, bytes);
        return bytes;
    }

    static float Normal(Random random) =>
        MathF.Sqrt(-2f * MathF.Log(1f - random.NextSingle())) * MathF.Cos(2f * MathF.PI * random.NextSingle());
}
