using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Engine.Scheduling;
using BitNet.Gpu.Server.Http;

namespace BitNet.Gpu.Server.Completions;

/// <summary>
/// Hands a request to the model's scheduler, tied to the client's connection (a client that goes away cancels it and
/// frees its slot by the next step). What the scheduler refuses becomes an answer: a full queue 429 with Retry-After,
/// a prompt past the context 400 (context_length_exceeded), an invalid value 400.
/// </summary>
internal static class CompletionStarter
{
    /// <summary>Seconds a client refused for a full queue is asked to wait.</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>
    /// Starts <paramref name="count"/> choices of the request. With a seed, choice i samples with seed + i, so the
    /// choices differ and each is reproducible. A choice the scheduler refuses stops the ones already started.
    /// </summary>
    public static CompletionChoices Start(BitNetModel model, int[] prompt, CompletionOptions options, int count, string promptField, CancellationToken clientGone)
    {
        RequireFits(model, prompt, options, promptField);
        var started = new List<CompletionStream>(count);
        try
        {
            for (int choice = 0; choice < count; choice++)
                started.Add(Start(model, prompt, options with { Seed = options.Seed + (ulong)choice }, promptField, clientGone));
            return new CompletionChoices(started);
        }
        catch
        {
            foreach (var stream in started) stream.Cancel();
            throw;
        }
    }

    static CompletionStream Start(BitNetModel model, int[] prompt, CompletionOptions options, string promptField, CancellationToken clientGone)
    {
        try
        {
            return model.StartCompletion(prompt, options, clientGone);
        }
        catch (SchedulerQueueFullException e)
        {
            throw QueueFull(e);
        }
        catch (ContextOverflowException)
        {
            throw ApiException.BadRequest($"the prompt is {prompt.Length} tokens, more than the context length of {model.ContextLength}",
                                          promptField, "context_length_exceeded");
        }
        catch (ArgumentException e)
        {
            throw ApiException.BadRequest(e.Message.Split(" (Parameter")[0], promptField);
        }
    }

    /// <summary>The answer to a full queue: 429 with Retry-After.</summary>
    public static ApiException QueueFull(SchedulerQueueFullException e) =>
        new(429, e.Message, code: "queue_full") { RetryAfterSeconds = RetryAfterSeconds };

    /// <summary>A 400 (context_length_exceeded) when the prompt and the request's token limit together pass the context.</summary>
    public static void RequireFits(BitNetModel model, int[] prompt, CompletionOptions options, string promptField)
    {
        if (options.MaxTokens is int max && prompt.Length + max > model.ContextLength)
            throw ApiException.BadRequest($"the prompt ({prompt.Length} tokens) and max_tokens ({max}) together exceed the context length of {model.ContextLength}",
                                          promptField, "context_length_exceeded");
    }
}
