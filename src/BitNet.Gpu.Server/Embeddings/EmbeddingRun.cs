using BitNet.Gpu.Engine.Scheduling;
using BitNet.Gpu.Server.Completions;

namespace BitNet.Gpu.Server.Embeddings;

/// <summary>Runs an embedding request's inputs in the model's slots, a full queue answered as every endpoint answers it (a 503 with Retry-After).</summary>
internal static class EmbeddingRun
{
    public static async Task<float[][]> EmbedAsync(BitNetModel model, int[][] inputs, EmbeddingOptions options, CancellationToken cancel)
    {
        try
        {
            return await model.EmbedBatchAsync(inputs, options, cancel);
        }
        catch (SchedulerQueueFullException e)
        {
            throw CompletionStarter.QueueFull(e);
        }
    }
}
