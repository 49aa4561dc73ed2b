namespace BitNet.Gpu;

/// <summary>Whether the model may answer in text (<see cref="Auto"/>) or must call a tool (<see cref="Required"/>).</summary>
public enum ToolCallMode
{
    Auto,
    Required,
}
