using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BitNet.Gpu.Server.Http;

namespace BitNet.Gpu.Server.Ollama;

/// <summary>
/// The served model as Ollama's model endpoints describe it: its name (the model id with Ollama's ":latest" tag), the
/// file's size and SHA-256 digest (computed once, on first asking), details, the GGUF metadata as model_info, the
/// default parameters and what it can do.
/// </summary>
internal sealed class OllamaCatalog
{
    /// <summary>When a loaded model unloads: never (a time far ahead, as Ollama writes keep_alive -1).</summary>
    static readonly DateTimeOffset Never = new(9999, 12, 31, 23, 59, 59, TimeSpan.Zero);

    readonly Lock _gate = new();
    Task<string>? _digest;

    /// <summary>The model's name in Ollama's form, name:tag.</summary>
    public static string Name(BitNetModel model) => model.ModelId.Contains(':') ? model.ModelId : model.ModelId + ":latest";

    /// <summary>Every request names a model; any name is served by the one this server runs.</summary>
    public static void RequireModel(string? model)
    {
        if (string.IsNullOrEmpty(model)) throw ApiException.BadRequest("model is required", "model");
    }

    /// <summary>The SHA-256 of the model file in lowercase hexadecimal (read once, in the background).</summary>
    public Task<string> DigestAsync(BitNetModel model)
    {
        lock (_gate)
        {
            if (_digest is null || _digest.IsFaulted) // a file that could not be read is tried again
            {
                string path = model.Info.Path;
                _digest = Task.Run(() => Hash(path));
            }
            return _digest;
        }
    }

    static async Task<string> Hash(string path)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
    }

    /// <summary>The model as GET /api/tags lists it; <paramref name="loaded"/> adds what GET /api/ps says of a running model.</summary>
    public async Task<OllamaModelEntry> EntryAsync(BitNetModel model, bool loaded)
    {
        var info = model.Info;
        var entry = new OllamaModelEntry(Name(model), Name(model), info.Modified, info.FileSize, await DigestAsync(model), Details(model));
        return loaded ? entry with { ExpiresAt = Never, SizeVram = OnGpu(model) ? info.FileSize : 0, ContextLength = model.ContextLength } : entry;
    }

    public static OllamaModelDetails Details(BitNetModel model)
    {
        var info = model.Info;
        return new OllamaModelDetails("", "gguf", info.Architecture, [info.Architecture], ParameterSize(info.ParameterCount), info.QuantizationType);
    }

    /// <summary>The answer to POST /api/show.</summary>
    public static OllamaShowResponse Show(BitNetModel model)
    {
        var info = model.Info;
        string parameters = Parameters();
        var modelfile = new StringBuilder()
            .Append("# Modelfile of ").Append(Name(model)).Append(", as this server runs it\n")
            .Append("FROM ").Append(info.Path).Append('\n');
        if (model.ChatTemplateSource is { } template) modelfile.Append("TEMPLATE \"\"\"").Append(template).Append("\"\"\"\n");
        foreach (var line in parameters.Split('\n')) modelfile.Append("PARAMETER ").Append(line).Append('\n');
        string[] capabilities = model.ChatTemplateSource is null ? ["completion"] : ["completion", "tools"];
        return new OllamaShowResponse(modelfile.ToString(), parameters, model.ChatTemplateSource ?? "", Details(model), ModelInfo(info), capabilities, info.Modified);
    }

    /// <summary>The sampling a request gets when its options set nothing, one "name value" per line.</summary>
    static string Parameters()
    {
        var defaults = new CompletionOptions();
        return string.Join('\n', [
            Line("temperature", defaults.Temperature), Line("top_k", defaults.TopK), Line("top_p", defaults.TopP),
            Line("min_p", defaults.MinP), Line("repeat_penalty", defaults.RepeatPenalty)]);
        static string Line(string name, IFormattable value) => $"{name} {value.ToString(null, CultureInfo.InvariantCulture)}";
    }

    /// <summary>The metadata (GGUF's keys) with general.parameter_count added, as Ollama's model_info.</summary>
    static Dictionary<string, JsonElement> ModelInfo(ModelInfo info)
    {
        var result = new Dictionary<string, JsonElement>();
        foreach (var (key, value) in info.Metadata) result[key] = ToJson(value);
        result["general.parameter_count"] = ToJson(info.ParameterCount);
        return result;
    }

    static JsonElement ToJson(object value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            switch (value)
            {
                case string s: writer.WriteStringValue(s); break;
                case bool b: writer.WriteBooleanValue(b); break;
                case float f when float.IsFinite(f): writer.WriteNumberValue(f); break;
                case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
                case ulong u: writer.WriteNumberValue(u); break;
                case IConvertible n and not float and not double: writer.WriteNumberValue(n.ToInt64(CultureInfo.InvariantCulture)); break;
                default: writer.WriteNullValue(); break;
            }
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>Parameters as Ollama shows them: 2.4B, 6.2M, 950K.</summary>
    internal static string ParameterSize(long count) => count switch
    {
        >= 1_000_000_000 => (count / 1e9).ToString("0.#", CultureInfo.InvariantCulture) + "B",
        >= 1_000_000 => (count / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 1_000 => (count / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "K",
        _ => count.ToString(CultureInfo.InvariantCulture),
    };

    static bool OnGpu(BitNetModel model) => model.Backend is "cuda" or "opencl" or "vulkan";
}
