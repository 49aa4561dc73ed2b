namespace BitNet.Gpu.Tokenizers;

/// <summary>
/// A chat template cannot be parsed or rendered. The message says what went wrong and how to pass a different template
/// on the command line.
/// </summary>
public sealed class ChatTemplateException : Exception
{
    public const string CommandLineHint =
        "Pass a template with --chat-template FILE (a Jinja file) or pick a built-in one with --chat-template-name llama3|bitnet|bitnet-hf|falcon3.";

    public ChatTemplateException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>The template's own <c>raise_exception(...)</c>: it refuses the conversation, the renderer did not fail.</summary>
    public bool RaisedByTemplate { get; init; }
}
