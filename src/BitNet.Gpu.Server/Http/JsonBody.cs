using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Http;

/// <summary>
/// Reads a request body as one JSON object of a request type. Everything that can be wrong with it is a
/// 400 naming the field (malformed JSON, a value of the wrong type, invalid UTF-8, nesting past
/// <see cref="Wire.ServerJsonContext.MaxDepth"/>, an empty body); a body over Kestrel's limit is a 413.
/// </summary>
internal static partial class JsonBody
{
    /// <summary>A string field of a JSON object in a body; missing or of another kind, a 400 naming <c>field.name</c>.</summary>
    public static string RequiredString(JsonElement item, string name, string field) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()!
            : throw ApiException.BadRequest($"{field}.{name} is required: a string", $"{field}.{name}");

    public static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type) where T : class =>
        Parse(await ReadBytesAsync(context), type);

    /// <summary>The body's bytes as <typeparamref name="T"/>, or an <see cref="ApiException"/> (400) saying what is wrong.</summary>
    public static T Parse<T>(byte[] body, JsonTypeInfo<T> type) where T : class
    {
        if (body.Length == 0) throw ApiException.BadRequest("the request body is empty; send a JSON object");
        if (!Utf8.IsValid(body))
            throw ApiException.BadRequest($"the request body is not valid UTF-8 (the first bad byte is at offset {InvalidUtf8Offset(body)})", code: "invalid_utf8");
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw ApiException.BadRequest("the request body is null; send a JSON object");
        }
        catch (JsonException e)
        {
            throw Describe(e);
        }
        catch (Exception e) when (e is InvalidOperationException or DecoderFallbackException or ArgumentException)
        {
            throw ApiException.BadRequest($"the request body is not valid JSON text: {e.Message}");
        }
    }

    static int InvalidUtf8Offset(byte[] body)
    {
        System.Text.Unicode.Utf8.ToUtf16(body, new char[body.Length], out int read, out _, replaceInvalidSequences: false);
        return read;
    }

    static async Task<byte[]> ReadBytesAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted); // Kestrel's MaxRequestBodySize stops it with a 413
        return buffer.ToArray();
    }

    /// <summary>A 400 from the serializer's error: the field (from its JSON path) and what was wrong, without .NET type names.</summary>
    static ApiException Describe(JsonException e)
    {
        string? field = e.Path is { Length: > 1 } path ? path.TrimStart('$').TrimStart('.') : null;
        string message = e.Message.Split(" Path:")[0].Split(" LineNumber:")[0];
        if (message.Contains("maximum configured depth"))
            return ApiException.BadRequest($"the JSON is nested deeper than {Wire.ServerJsonContext.MaxDepth} levels");
        if (field is null && message.Contains("could not be converted to"))
            return ApiException.BadRequest("the request body must be a JSON object");
        string where = e.LineNumber is long line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
        if (message.Contains("could not be converted to"))
            message = $"'{field}' has the wrong type: expected {Expected(message)}";
        else
            return ApiException.BadRequest($"invalid JSON{(field is null ? "" : $" at '{field}'")}: {message.TrimEnd('.')}{where}"); // malformed text: no field is at fault
        return ApiException.BadRequest(message + where, field);
    }

    /// <summary>The kind of JSON value a .NET type named in a serializer message stands for.</summary>
    static string Expected(string message)
    {
        var type = TypeName().Match(message).Groups[1].Value;
        return type switch
        {
            _ when type.Contains("List") || type.Contains("[]") => "an array",
            _ when type.Contains("Dictionary") => "an object",
            _ when type.Contains("Int32") || type.Contains("Int64") => "an integer",
            _ when type.Contains("Single") || type.Contains("Double") => "a number",
            _ when type.Contains("Boolean") => "true or false",
            _ when type.Contains("String") => "a string",
            _ => "an object",
        };
    }

    [GeneratedRegex(@"converted to ([^ ]+?)\.?( |$)")]
    private static partial Regex TypeName();
}
