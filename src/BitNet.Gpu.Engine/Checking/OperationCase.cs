using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Engine.Checking;

/// <summary>
/// One operation on fixed, seeded random inputs: <see cref="Run"/> computes it on a backend and returns the outputs it
/// read back (output buffers poisoned with NaN first, so an element a kernel never writes fails). Run on the reference
/// backend and on another, the two are compared within <see cref="Tolerance"/> × max |expected|.
/// </summary>
/// <param name="Operation">The backend operation (embed, rms_norm, ternary, dense, rope, attention, ...).</param>
/// <param name="Shape">The inputs in words (type, rows × cols, tokens).</param>
/// <param name="Run">Computes the case on a backend.</param>
/// <param name="Tolerance">Relative tolerance: max |actual − expected| ≤ Tolerance × max |expected|.</param>
/// <param name="DenseType">The weight type of a dense product, whose tolerance a backend may widen (<see cref="ToleranceFor"/>).</param>
/// <param name="ManySequences">The case puts several sequences in one step.</param>
/// <param name="CacheType">The KV cache type the case needs, if any.</param>
public sealed record OperationCase(string Operation, string Shape, Func<IComputeBackend, float[]> Run, double Tolerance,
                                   GgmlType? DenseType = null, bool ManySequences = false, KvCacheType? CacheType = null)
{
    /// <summary>The case's name, unique within <see cref="OperationCases"/>.</summary>
    public string Name => $"{Operation} {Shape}";

    /// <summary>A dense product whose input the backend rounds to int8 (as llama.cpp does for Q6_K and Q4_K) is held to the
    /// int8 rounding's error, 1e-2; every other case to <see cref="Tolerance"/>.</summary>
    public double ToleranceFor(IComputeBackend backend) =>
        DenseType is { } type && backend.RoundsDenseInput(type) ? Math.Max(Tolerance, 1e-2) : Tolerance;

    /// <summary>Why <paramref name="backend"/> cannot run this case, or null.</summary>
    public string? SkipReasonFor(IComputeBackend backend) =>
        CacheType is { } cache && !backend.KvCacheTypes.Contains(cache) ? $"the {backend.Name} backend has no {cache.Name()} KV cache" : null;

    public override string ToString() => Name;
}
