using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>Small vectorized float loops shared by the dense kernels (256-bit where accelerated, else 128-bit, scalar tail).</summary>
internal static unsafe class FloatMath
{
    /// <summary>Σ a[i]·b[i].</summary>
    public static float Dot(float* a, float* b, int n)
    {
        int i = 0;
        float sum = 0f;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                acc0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), acc1);
            }
            sum = Vector256.Sum(acc0 + acc1);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var acc = Vector128<float>.Zero;
            for (; i <= n - 4; i += 4) acc += Vector128.Load(a + i) * Vector128.Load(b + i);
            sum = Vector128.Sum(acc);
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>y[i] += a · x[i].</summary>
    public static void MultiplyAdd(float* y, float a, float* x, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8)
                Vector256.FusedMultiplyAdd(Vector256.Create(a), Vector256.Load(x + i), Vector256.Load(y + i)).Store(y + i);
        else if (Vector128.IsHardwareAccelerated)
            for (; i <= n - 4; i += 4)
                (Vector128.Load(y + i) + Vector128.Create(a) * Vector128.Load(x + i)).Store(y + i);
        for (; i < n; i++) y[i] += a * x[i];
    }

    /// <summary>y[i] = a · x[i].</summary>
    public static void Scale(float* y, float a, float* x, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) (Vector256.Create(a) * Vector256.Load(x + i)).Store(y + i);
        else if (Vector128.IsHardwareAccelerated)
            for (; i <= n - 4; i += 4) (Vector128.Create(a) * Vector128.Load(x + i)).Store(y + i);
        for (; i < n; i++) y[i] = a * x[i];
    }

    public static float Max(float* x, int n)
    {
        int i = 0;
        float max = float.NegativeInfinity;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256.Create(float.NegativeInfinity);
            for (; i <= n - 8; i += 8) acc = Vector256.Max(acc, Vector256.Load(x + i));
            for (int j = 0; j < 8; j++) max = MathF.Max(max, acc[j]);
        }
        for (; i < n; i++) max = MathF.Max(max, x[i]);
        return max;
    }

    /// <summary>x[i] = exp(x[i] - shift); returns Σ of the new values.</summary>
    public static float ExpShiftedInPlace(float* x, float shift, int n)
    {
        int i = 0;
        float sum = 0f;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var e = Vector256.Exp(Vector256.Load(x + i) - Vector256.Create(shift));
                e.Store(x + i);
                acc += e;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            float e = MathF.Exp(x[i] - shift);
            x[i] = e;
            sum += e;
        }
        return sum;
    }
}
