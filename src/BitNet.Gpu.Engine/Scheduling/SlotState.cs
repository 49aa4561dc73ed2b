namespace BitNet.Gpu.Engine.Scheduling;

/// <summary>A snapshot of one KV cache slot of an <see cref="InferenceScheduler"/> (for llama-server's /slots and dashboards).</summary>
/// <param name="Index">The slot's index (0 to <see cref="SchedulerCounters.Slots"/> - 1).</param>
/// <param name="IsProcessing">Whether a request holds the slot (running its prompt, generating, or embedding).</param>
/// <param name="CachedTokens">Tokens whose keys and values the slot holds (a finished request's stay, for the next that starts with them).</param>
/// <param name="PromptTokens">The running request's prompt tokens; 0 when the slot is free.</param>
/// <param name="GeneratedTokens">Tokens the running request has generated; 0 when the slot is free.</param>
public sealed record SlotState(int Index, bool IsProcessing, int CachedTokens, int PromptTokens, int GeneratedTokens);
