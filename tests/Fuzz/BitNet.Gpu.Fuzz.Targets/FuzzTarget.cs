namespace BitNet.Gpu.Fuzz;

/// <summary>
/// One fuzz target: a parser driven by one input. <see cref="Run"/> returns normally when the parser accepts the input
/// or refuses it with its documented exception; any other exception escapes and is a finding.
/// </summary>
/// <param name="Name">The name fuzz.sh and the corpus folder use (tests/Fuzz/corpus/NAME).</param>
/// <param name="Description">What the target feeds the input to, for the runner's list.</param>
/// <param name="Run">The harness function.</param>
public sealed record FuzzTarget(string Name, string Description, Action<byte[]> Run);
