using BenchmarkDotNet.Configs;

namespace BitNet.Gpu.Benchmarks.Kernels;

/// <summary>Adds the weight-bandwidth column to the kernel benchmarks.</summary>
public sealed class KernelBenchmarkConfig : ManualConfig
{
    public KernelBenchmarkConfig() => AddColumn(new WeightBandwidthColumn());
}
