using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>Element-wise vector operations. Outputs may alias inputs.</summary>
public static class ElementWise
{
    /// <summary>result[i] = a[i] + b[i] (the residual add).</summary>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> result)
    {
        CheckLengths(a, b, result);
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float pr = ref MemoryMarshal.GetReference(result);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= a.Length - 8; i += 8)
                (Vector256.LoadUnsafe(ref pa, (nuint)i) + Vector256.LoadUnsafe(ref pb, (nuint)i)).StoreUnsafe(ref pr, (nuint)i);
        for (; i < a.Length; i++) result[i] = a[i] + b[i];
    }

    /// <summary>result[i] = a[i] · b[i].</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> result)
    {
        CheckLengths(a, b, result);
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float pr = ref MemoryMarshal.GetReference(result);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= a.Length - 8; i += 8)
                (Vector256.LoadUnsafe(ref pa, (nuint)i) * Vector256.LoadUnsafe(ref pb, (nuint)i)).StoreUnsafe(ref pr, (nuint)i);
        for (; i < a.Length; i++) result[i] = a[i] * b[i];
    }

    /// <summary>The BitNet FFN gate: result[i] = relu(gate[i])² · up[i].</summary>
    public static void ReluSquaredGate(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> result)
    {
        CheckLengths(gate, up, result);
        ref float pg = ref MemoryMarshal.GetReference(gate);
        ref float pu = ref MemoryMarshal.GetReference(up);
        ref float pr = ref MemoryMarshal.GetReference(result);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= gate.Length - 8; i += 8)
            {
                var relu = Vector256.Max(Vector256.LoadUnsafe(ref pg, (nuint)i), Vector256<float>.Zero);
                (relu * relu * Vector256.LoadUnsafe(ref pu, (nuint)i)).StoreUnsafe(ref pr, (nuint)i);
            }
        for (; i < gate.Length; i++)
        {
            float relu = MathF.Max(gate[i], 0f);
            result[i] = relu * relu * up[i];
        }
    }

    /// <summary>The llama FFN gate: result[i] = silu(gate[i]) · up[i] with silu(x) = x / (1 + e^-x).</summary>
    public static void SiluGate(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> result)
    {
        CheckLengths(gate, up, result);
        ref float pg = ref MemoryMarshal.GetReference(gate);
        ref float pu = ref MemoryMarshal.GetReference(up);
        ref float pr = ref MemoryMarshal.GetReference(result);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= gate.Length - 8; i += 8)
            {
                var g = Vector256.LoadUnsafe(ref pg, (nuint)i);
                (g / (Vector256<float>.One + Vector256.Exp(-g)) * Vector256.LoadUnsafe(ref pu, (nuint)i)).StoreUnsafe(ref pr, (nuint)i);
            }
        for (; i < gate.Length; i++)
            result[i] = gate[i] / (1f + MathF.Exp(-gate[i])) * up[i];
    }

    static void CheckLengths(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> result)
    {
        if (b.Length != a.Length) throw new ArgumentException($"Expected {a.Length} values, got {b.Length}.", nameof(b));
        if (result.Length != a.Length) throw new ArgumentException($"Expected {a.Length} outputs, got {result.Length}.", nameof(result));
    }
}
