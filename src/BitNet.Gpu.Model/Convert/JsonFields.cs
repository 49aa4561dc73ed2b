using System.Text.Json;

namespace BitNet.Gpu.Model.Convert;

/// <summary>Typed reads of JSON fields that name the file and field in a <see cref="ModelFormatException"/> when wrong.</summary>
internal static class JsonFields
{
    public static JsonDocument Load(string path)
    {
        if (!File.Exists(path))
            throw new ModelFormatException(path, "file not found");
        try
        {
            var bytes = File.ReadAllBytes(path).AsMemory();
            if (bytes.Span.StartsWith("\uFEFF"u8)) bytes = bytes[3..]; // a UTF-8 byte-order mark, as Windows editors write
            // The JSON reader checks only the structure: a string with invalid bytes would throw when read.
            int invalid = Utf8Bytes.FirstInvalid(bytes.Span);
            if (invalid >= 0) throw new ModelFormatException(path, $"not valid UTF-8 (at byte {invalid})");
            var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64, AllowTrailingCommas = true });
            try { JsonStrings.CheckReadable(bytes.Span, document.RootElement, path); }
            catch
            {
                document.Dispose();
                throw;
            }
            return document;
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, $"not valid JSON: {e.Message}", null, e);
        }
    }

    public static JsonElement Object(string path, JsonElement element, string field)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(path, $"'{field}' is a JSON {element.ValueKind}, expected an object");
        return element;
    }

    public static JsonElement? Optional(JsonElement parent, string field) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static JsonElement Required(string path, JsonElement parent, string field) =>
        Optional(parent, field) ?? throw new ModelFormatException(path, $"missing field '{field}'");

    public static int RequiredInt(string path, JsonElement parent, string field) => Int(path, Required(path, parent, field), field);

    public static int? OptionalInt(string path, JsonElement parent, string field) =>
        Optional(parent, field) is { } value ? Int(path, value, field) : null;

    public static int Int(string path, JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result)
            ? result
            : throw new ModelFormatException(path, $"'{field}' = {Text(value)} is not a 32-bit integer");

    public static double? OptionalNumber(string path, JsonElement parent, string field) =>
        Optional(parent, field) is { } value
            ? value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw new ModelFormatException(path, $"'{field}' = {Text(value)} is not a number")
            : null;

    public static bool? OptionalBool(string path, JsonElement parent, string field) =>
        Optional(parent, field) is { } value
            ? value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new ModelFormatException(path, $"'{field}' = {Text(value)} is not a boolean"),
            }
            : null;

    public static string String(string path, JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new ModelFormatException(path, $"'{field}' = {Text(value)} is not a string");

    public static string? OptionalString(string path, JsonElement parent, string field) =>
        Optional(parent, field) is { } value ? String(path, value, field) : null;

    static string Text(JsonElement value)
    {
        string raw = value.GetRawText();
        return raw.Length > 60 ? raw[..57] + "..." : raw;
    }
}
