using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu;

/// <summary>
/// What a loaded model is: its file, architecture, size and ternary weight type, and the GGUF metadata that is not a list
/// (the hyperparameters, names and licence; the vocabulary's arrays are left out). For a catalogue of models, as Ollama's
/// /api/tags and /api/show give one.
/// <code>var info = model.Info;
/// Console.WriteLine($"{info.Architecture}, {info.ParameterCount:N0} parameters, {info.QuantizationType}");</code>
/// </summary>
/// <param name="Path">The model file's full path.</param>
/// <param name="FileSize">The file's size in bytes.</param>
/// <param name="Modified">When the file was last written.</param>
/// <param name="Architecture">general.architecture (bitnet-b1.58, llama, ...).</param>
/// <param name="ParameterCount">Weights in every tensor of the file.</param>
/// <param name="QuantizationType">The ternary weights' type: I2_S, TQ2_0 or TQ1_0.</param>
/// <param name="TrainedContextLength">The context the model was trained for (the loaded context may be shorter).</param>
/// <param name="Metadata">Every metadata key whose value is a string, number or boolean, in the file's order.</param>
public sealed record ModelInfo(
    string Path,
    long FileSize,
    DateTimeOffset Modified,
    string Architecture,
    long ParameterCount,
    string QuantizationType,
    int TrainedContextLength,
    IReadOnlyDictionary<string, object> Metadata)
{
    internal static ModelInfo Of(LoadedModel model)
    {
        var file = model.File;
        var metadata = new Dictionary<string, object>();
        foreach (var (key, value) in file.Metadata.Entries)
            if (!value.IsArray) metadata[key] = value.Value;
        return new ModelInfo(
            System.IO.Path.GetFullPath(file.Path),
            file.FileLength,
            new DateTimeOffset(File.GetLastWriteTimeUtc(file.Path), TimeSpan.Zero),
            model.Description.ArchitectureName,
            file.Tensors.Sum(t => t.ElementCount),
            model.Description.TernaryType.ToString(),
            model.Description.Hyperparameters.ContextLength,
            metadata);
    }
}
