using System.Text.Json.Serialization.Metadata;

namespace BitNet.Gpu.Server.Http;

/// <summary>
/// A streamed response of JSON chunks, whatever its framing (server-sent events for OpenAI's and llama-server's APIs,
/// one JSON object per line for Ollama's): chunks are added, then sent together by a flush.
/// </summary>
internal interface IChunkStream
{
    /// <summary>Adds one chunk holding <paramref name="value"/> to the response without sending it yet.</summary>
    void Write<T>(T value, JsonTypeInfo<T> type);

    /// <summary>Sends the chunks written so far; false when the client is gone.</summary>
    ValueTask<bool> FlushAsync(CancellationToken cancel);
}
