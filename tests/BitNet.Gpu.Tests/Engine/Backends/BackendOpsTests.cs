using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Reference;
using BitNet.Gpu.Engine.Checking;

namespace BitNet.Gpu.Tests.Engine.Backends;

/// <summary>
/// The one op-level test suite every fast backend runs (CPU, ILGPU, Vulkan): each of <see cref="OperationCases"/> (the
/// cases <c>bitnet-gpu check</c> ships) on seeded random inputs with odd shapes, compared with the reference backend by
/// <see cref="BackendCheck"/>. Output buffers are poisoned with NaN first, so an element a kernel never writes fails.
/// A backend's test class derives from this and supplies the backend. Tolerances are the cases' own: max |actual −
/// expected| ≤ tolerance × max |expected|.
/// </summary>
public abstract class BackendOpsTests : IDisposable
{
    readonly ReferenceBackend _reference = new();
    readonly Lazy<IComputeBackend> _backend;

    protected BackendOpsTests() => _backend = new Lazy<IComputeBackend>(CreateBackend);

    protected abstract IComputeBackend CreateBackend();

    /// <summary>Why this backend cannot run here (no device or driver), or null: the tests then skip with this reason.</summary>
    protected virtual string? SkipReason => null;

    IComputeBackend Backend
    {
        get
        {
            Skip.If(SkipReason is not null, SkipReason);
            return _backend.Value;
        }
    }

    public void Dispose()
    {
        if (_backend.IsValueCreated) _backend.Value.Dispose();
        _reference.Dispose();
    }

    public static TheoryData<string> Cases() => new(OperationCases.All().Select(c => c.Name));

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Operation(string name)
    {
        var operation = OperationCases.All().Single(c => c.Name == name);
        var backend = Backend; // skips first where the backend cannot run
        var outcome = BackendCheck.Run(operation, backend, _reference);
        Skip.If(outcome.SkipReason is not null, outcome.SkipReason);
        Assert.True(outcome.Passed, $"{backend.Name}: {name}: {outcome.Failure}");
    }

    [Fact]
    public void TheCaseNamesAreUnique_AndCoverEveryOperation()
    {
        var all = OperationCases.All(modelShapes: true);
        Assert.Equal(all.Count, all.Select(c => c.Name).Distinct().Count());
        foreach (var operation in new[] { "embed", "rms_norm", "quantize", "ternary", "ternary q/k/v", "dense", "rope", "attention", "gate", "add + copy_row", "copy_row", "add_norm_quantize", "gate_norm_quantize", "self_attention" })
            Assert.Contains(all, c => c.Operation == operation);
    }

    /// <summary>The shared comparison, for the whole-model checks: a NaN or an error past the tolerance fails.</summary>
    internal static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        var (_, failure) = BackendCheck.Compare(expected, actual, tolerance);
        Assert.True(failure is null, $"{what}: {failure}");
    }
}
