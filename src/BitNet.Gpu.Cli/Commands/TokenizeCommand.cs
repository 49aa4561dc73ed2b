using System.CommandLine;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>bitnet-gpu tokenize -m MODEL "text" | --file PATH: the token ids on one line (BOS included when the model adds it).</summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "any GGUF with a vocabulary (a vocabulary-only file works)" };
        var text = new Argument<string?>("TEXT") { Description = "the text to tokenize", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file", "-f") { Description = "tokenize this file's exact bytes (UTF-8)" };
        var noBos = new Option<bool>("--no-bos") { Description = "leave out the BOS token" };
        var pieces = new Option<bool>("--pieces") { Description = "show each token's piece next to its id" };
        var special = new Option<bool>("--special") { Description = "parse special tokens such as <|eot_id|>" };
        var command = new Command("tokenize", "Print the token ids of a text") { model, text, file, noBos, pieces, special };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            string input = Input(parse.GetValue(text), parse.GetValue(file));
            var tokenizer = new Tokenizer(GgufVocabularyReader.Read(parse.GetValue(model) ?? DefaultModel.Resolve()));
            var ids = tokenizer.Encode(input, addBos: tokenizer.Vocabulary.AddBos && !parse.GetValue(noBos), parseSpecial: parse.GetValue(special));
            Console.Out.WriteLine(parse.GetValue(pieces)
                ? string.Join(" ", ids.Select(id => $"{id}:'{Escape(tokenizer.TokenText(id))}'"))
                : string.Join(" ", ids));
            return 0;
        }));
        return command;
    }

    static string Input(string? text, string? file)
    {
        if (text is not null && file is not null) throw new UsageException("give TEXT or --file, not both");
        if (file is null) return text ?? throw new UsageException("tokenize needs TEXT or --file PATH");
        return Utf8TextFile.Read(file);
    }

    static string Escape(string piece) => piece.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("'", "\\'");
}
