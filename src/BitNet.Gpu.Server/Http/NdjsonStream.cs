using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Http;

/// <summary>
/// An application/x-ndjson response, as Ollama streams: one JSON object per line, no other framing and no end marker
/// (the last object says it is the last).
/// </summary>
internal sealed class NdjsonStream : IChunkStream
{
    readonly HttpResponse _response;
    readonly Utf8JsonWriter _json;

    public NdjsonStream(HttpResponse response)
    {
        _response = response;
        _json = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        response.StatusCode = 200;
        response.ContentType = "application/x-ndjson";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    public void Write<T>(T value, JsonTypeInfo<T> type)
    {
        _json.Reset(_response.BodyWriter);
        JsonSerializer.Serialize(_json, value, type);
        _json.Flush();
        _response.BodyWriter.Write("\n"u8);
    }

    public async ValueTask<bool> FlushAsync(CancellationToken cancel)
    {
        var result = await _response.BodyWriter.FlushAsync(cancel);
        return !result.IsCompleted && !result.IsCanceled;
    }
}
