namespace BitNet.Gpu.Engine.Graph;

/// <summary>More tokens than the context holds.</summary>
public sealed class ContextOverflowException(int needed, int contextLength)
    : Exception($"{needed} tokens do not fit in the context of {contextLength} (use a shorter prompt or a larger --ctx)")
{
    public int Needed { get; } = needed;
    public int ContextLength { get; } = contextLength;
}
