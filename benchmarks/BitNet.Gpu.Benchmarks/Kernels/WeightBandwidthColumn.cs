using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace BitNet.Gpu.Benchmarks.Kernels;

/// <summary>Implemented by kernel benchmarks: weight bytes one invocation reads.</summary>
public interface IWeightBytes
{
    long WeightBytesPerInvocation(BenchmarkCase benchmarkCase);
}

/// <summary>"GB/s" column: weight bytes read per invocation / mean time (the kernel's effective weight bandwidth).</summary>
public sealed class WeightBandwidthColumn : IColumn
{
    public string Id => "WeightGBps";
    public string ColumnName => "Weights GB/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Weight bytes read per operation / mean time (1 GB = 1e9 bytes)";
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } stats) return "-";
        var instance = (IWeightBytes)Activator.CreateInstance(benchmarkCase.Descriptor.Type)!;
        foreach (var parameter in benchmarkCase.Parameters.Items)
            benchmarkCase.Descriptor.Type.GetProperty(parameter.Name)?.SetValue(instance, parameter.Value);
        return (instance.WeightBytesPerInvocation(benchmarkCase) / stats.Mean).ToString("F1");
    }
}
