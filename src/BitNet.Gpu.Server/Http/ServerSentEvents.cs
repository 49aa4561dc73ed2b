using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Http;

/// <summary>
/// A text/event-stream response as OpenAI streams: one <c>data: {json}</c> event per chunk, flushed at once, and
/// <c>data: [DONE]</c> at the end of a chat or text completion. Each write returns false once the client has gone.
/// </summary>
internal sealed class ServerSentEvents : IChunkStream
{
    readonly HttpResponse _response;
    readonly Utf8JsonWriter _json;

    public ServerSentEvents(HttpResponse response)
    {
        _response = response;
        // Text as it is (an apostrophe stays an apostrophe), as the server's whole answers write it; JSON's own escapes still apply.
        _json = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        response.StatusCode = 200;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx and similar proxies pass each event on at once
    }

    /// <summary>Adds one event holding <paramref name="value"/> to the response without sending it yet (see <see cref="FlushAsync"/>).</summary>
    public void Write<T>(T value, JsonTypeInfo<T> type) => Write(value, type, null);

    /// <summary>As <see cref="Write{T}(T, JsonTypeInfo{T})"/>; with <paramref name="name"/>, an <c>event:</c> line
    /// names the event first (the Responses API names every event).</summary>
    public void Write<T>(T value, JsonTypeInfo<T> type, string? name)
    {
        var writer = _response.BodyWriter;
        if (name is not null)
        {
            writer.Write("event: "u8);
            writer.Write(System.Text.Encoding.UTF8.GetBytes(name));
            writer.Write("\n"u8);
        }
        writer.Write("data: "u8);
        _json.Reset(writer);
        JsonSerializer.Serialize(_json, value, type);
        _json.Flush();
        writer.Write("\n\n"u8);
    }

    /// <summary>Adds <c>data: [DONE]</c>, the end of a chat or text completion's stream (sent with the next flush).</summary>
    public void Done() => _response.BodyWriter.Write("data: [DONE]\n\n"u8);

    /// <summary>Sends the events written so far; false when the client is gone.</summary>
    public async ValueTask<bool> FlushAsync(CancellationToken cancel)
    {
        var result = await _response.BodyWriter.FlushAsync(cancel);
        return !result.IsCompleted && !result.IsCanceled;
    }
}
