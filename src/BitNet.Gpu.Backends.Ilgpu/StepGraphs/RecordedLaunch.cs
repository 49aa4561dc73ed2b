namespace BitNet.Gpu.Backends.Ilgpu.StepGraphs;

/// <summary>One kernel launch of a step being recorded, ready to issue again with the same arguments.</summary>
/// <param name="Kernel">The kernel's name (for reports).</param>
sealed record RecordedLaunch(string Kernel, Action Launch);
