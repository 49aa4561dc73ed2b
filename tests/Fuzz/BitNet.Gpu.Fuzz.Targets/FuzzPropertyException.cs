namespace BitNet.Gpu.Fuzz;

/// <summary>A target found an input for which a documented property (such as decoding back to the text) does not hold.</summary>
public sealed class FuzzPropertyException(string message) : Exception(message);
