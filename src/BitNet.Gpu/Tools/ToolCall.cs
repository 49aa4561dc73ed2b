namespace BitNet.Gpu;

/// <summary>A call the model made: an id to answer it with, the tool's name, and its arguments as a JSON object's text.</summary>
public sealed record ToolCall(string Id, string Name, string Arguments);

/// <summary>What the model answered under a <see cref="ToolCallFormat"/>: text, or calls (then <see cref="Content"/> is null).</summary>
public sealed record ToolReply(string? Content, IReadOnlyList<ToolCall> Calls);
