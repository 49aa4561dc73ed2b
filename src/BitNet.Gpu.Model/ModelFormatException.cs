namespace BitNet.Gpu.Model;

/// <summary>
/// A model or tokenizer file is malformed or unsupported. The message names the file and,
/// where known, the field or tensor and the byte offset, with what was expected and what was found.
/// </summary>
public sealed class ModelFormatException : Exception
{
    public string? FilePath { get; }
    public long? Offset { get; }

    public ModelFormatException(string? filePath, string message, long? offset = null, Exception? inner = null)
        : base(Format(filePath, message, offset), inner)
    {
        FilePath = filePath;
        Offset = offset;
    }

    static string Format(string? filePath, string message, long? offset)
    {
        var where = filePath is null ? "" : $"{filePath}: ";
        var at = offset is null ? "" : $" (at byte {offset})";
        return where + message + at;
    }
}
