namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// The k largest of a stream of floats: a min-heap whose root is the smallest value kept, so a value that cannot enter
/// costs one comparison (<see cref="WouldKeep"/>).
/// </summary>
internal sealed class LargestValues
{
    readonly float[] _heap; // _heap[0] is the smallest kept; the children of i are 2i + 1 and 2i + 2
    int _count;

    public LargestValues(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        _heap = new float[k];
    }

    public bool IsFull => _count == _heap.Length;

    /// <summary>The smallest value kept: the k-th largest seen once k have been seen, -∞ before.</summary>
    public float Smallest => IsFull ? _heap[0] : float.NegativeInfinity;

    /// <summary>The values kept, in heap order.</summary>
    public ReadOnlySpan<float> Values => _heap.AsSpan(0, _count);

    /// <summary>Whether <see cref="Add"/> would keep <paramref name="value"/>.</summary>
    public bool WouldKeep(float value) => !IsFull || value > _heap[0];

    public void Add(float value)
    {
        if (!IsFull) SiftUp(_count++, value);
        else if (value > _heap[0]) SiftDown(0, value); // replaces the smallest
    }

    public void AddAll(ReadOnlySpan<float> values)
    {
        foreach (float value in values) Add(value);
    }

    void SiftUp(int i, float value)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (_heap[parent] <= value) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = value;
    }

    void SiftDown(int i, float value)
    {
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= _count) break;
            if (child + 1 < _count && _heap[child + 1] < _heap[child]) child++;
            if (_heap[child] >= value) break;
            _heap[i] = _heap[child];
            i = child;
        }
        _heap[i] = value;
    }
}
