namespace BitNet.Gpu.Engine.Scheduling;

/// <summary>A snapshot of what an <see cref="InferenceScheduler"/> is doing and has done (for metrics and dashboards).</summary>
/// <param name="Queued">Requests waiting for a free slot.</param>
/// <param name="Running">Requests holding a slot (processing their prompt or generating).</param>
/// <param name="Slots">Slots in all (--parallel).</param>
/// <param name="PromptTokens">Prompt tokens processed since start (a prefix reused from the cache is not counted).</param>
/// <param name="GeneratedTokens">Tokens generated since start.</param>
/// <param name="Completed">Generations that finished (end of text, a stop string, the token limit or a full context).</param>
/// <param name="Cancelled">Requests cancelled by their caller.</param>
/// <param name="Failed">Requests ended by an error in the engine.</param>
/// <param name="Steps">Forward steps run since start.</param>
/// <param name="GenerationTokensPerSecond">Tokens generated per second over the last few seconds of work.</param>
/// <param name="Embedded">Embeddings that finished (their text's hidden states pooled); counted apart from <paramref name="Completed"/>.</param>
public sealed record SchedulerCounters(int Queued, int Running, int Slots, long PromptTokens, long GeneratedTokens,
                                       long Completed, long Cancelled, long Failed, long Steps, double GenerationTokensPerSecond,
                                       long Embedded);
