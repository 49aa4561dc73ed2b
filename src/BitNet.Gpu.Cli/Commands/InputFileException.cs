namespace BitNet.Gpu.Cli.Commands;

/// <summary>
/// An input file the user gave that cannot be used (not UTF-8, not a valid template). An <see cref="IOException"/>, so
/// <see cref="CliErrors.Run"/> reports it as a bad input file (exit 2) with its message alone.
/// </summary>
public sealed class InputFileException(string message) : IOException(message);
