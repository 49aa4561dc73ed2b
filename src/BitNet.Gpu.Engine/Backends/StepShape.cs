namespace BitNet.Gpu.Engine.Backends;

/// <summary>
/// What decides which operations a step issues, apart from the values held in buffers: the issuer (one graph's weights
/// and activations), the token count and which rows give logits, and how each is screened. Two steps with equal
/// shapes issue the same operations, so one may replay the other's recording (<see cref="IStepReplay"/>).
/// </summary>
public sealed class StepShape : IEquatable<StepShape>
{
    readonly long[] _values;
    readonly int _hash;

    /// <param name="values">Everything that identifies the step's operations; the shape keeps a copy.</param>
    public StepShape(ReadOnlySpan<long> values)
    {
        _values = values.ToArray();
        var hash = new HashCode();
        foreach (long value in _values) hash.Add(value);
        _hash = hash.ToHashCode();
    }

    public bool Equals(StepShape? other) => other is not null && _hash == other._hash && _values.AsSpan().SequenceEqual(other._values);

    public override bool Equals(object? obj) => Equals(obj as StepShape);

    public override int GetHashCode() => _hash;
}
