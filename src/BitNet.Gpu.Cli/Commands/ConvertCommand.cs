using System.CommandLine;
using BitNet.Gpu.Model.Convert;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>bitnet-gpu convert HF_DIR -o OUT.gguf --type i2_s|tq2_0|tq1_0: a Hugging Face checkpoint to GGUF.</summary>
public static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("HF_DIR") { Description = "folder with config.json, *.safetensors, tokenizer.json, tokenizer_config.json" };
        var output = new Option<string>("--output", "-o") { Description = "the GGUF file to write", Required = true };
        var type = new Option<string>("--type") { Description = "ternary format: i2_s (bitnet.cpp), tq2_0 or tq1_0 (llama.cpp)", DefaultValueFactory = _ => "i2_s" };
        var embedding = new Option<string>("--embedding-type") { Description = "embedding type: f16, f32, bf16, q8_0, q4_k or q6_k", DefaultValueFactory = _ => "f16" };
        var name = new Option<string?>("--name") { Description = "general.name of the model (default: the folder's name)" };
        var command = new Command("convert", "Convert a Hugging Face checkpoint to GGUF with ternary weights") { input, output, type, embedding, name };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            var ternary = TernaryTypeNames.Parse(parse.GetValue(type)!);
            var options = new ConversionOptions { EmbeddingType = TernaryTypeNames.ParseDense(parse.GetValue(embedding)!), Name = parse.GetValue(name) };
            string dir = parse.GetValue(input)!;
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"checkpoint folder not found: {dir}");
            string path = OutputPath.ForFile(parse.GetValue(output), "-o");
            OutputPath.RefuseInput(path, Directory.EnumerateFiles(dir).Where(IsCheckpointFile), "-o");
            Progress.Run($"converting {Path.GetFileName(Path.GetFullPath(dir))}", report =>
                HuggingFaceConverter.Convert(dir, path, ternary, options, p => report(p.TensorsDone, p.TensorCount, p.TensorName)));
            WrittenFile.Report(path);
            return 0;
        }));
        return command;
    }

    /// <summary>The files of a checkpoint folder the converter may read.</summary>
    static bool IsCheckpointFile(string path) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
}
