using System.Numerics;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>Vectorised whole-vocabulary passes: validation with the maximum, the arg-max, and the probability mass.</summary>
internal static class LogitScan
{
    /// <summary>Max logit; throws if any logit is NaN or +inf (the softmax would be undefined).</summary>
    public static float MaxChecked(ReadOnlySpan<float> logits, string paramName)
    {
        int width = Vector<float>.Count;
        var max = new Vector<float>(float.NegativeInfinity);
        var invalid = Vector<int>.Zero; // lanes that saw NaN or +inf (x < +inf is false for both)
        var positiveInfinity = new Vector<float>(float.PositiveInfinity);
        int i = 0;
        for (; i <= logits.Length - width; i += width)
        {
            var x = new Vector<float>(logits[i..]);
            max = Vector.Max(max, x);
            invalid |= ~Vector.LessThan(x, positiveInfinity);
        }

        float result = float.NegativeInfinity;
        for (int lane = 0; lane < width; lane++) result = MathF.Max(result, max[lane]);
        bool bad = invalid != Vector<int>.Zero;
        for (; i < logits.Length; i++)
        {
            bad |= !(logits[i] < float.PositiveInfinity);
            result = MathF.Max(result, logits[i]);
        }

        if (bad) throw new ArgumentException("logits must not contain NaN or +infinity", paramName);
        if (result == float.NegativeInfinity) throw new ArgumentException("every token is banned (all logits are -infinity)", paramName);
        return result;
    }

    /// <summary>Lowest token id whose logit is NaN or +infinity, or -1 when there is none (-infinity is a skipped logit).</summary>
    public static int FirstNaNOrPositiveInfinity(ReadOnlySpan<float> logits)
    {
        int width = Vector<float>.Count;
        var positiveInfinity = new Vector<float>(float.PositiveInfinity);
        int i = 0;
        for (; i <= logits.Length - width; i += width)
        {
            if (!Vector.LessThanAll(new Vector<float>(logits[i..]), positiveInfinity)) break;
        }
        for (; i < logits.Length; i++)
        {
            if (!(logits[i] < float.PositiveInfinity)) return i;
        }
        return -1;
    }

    /// <summary>Lowest token id whose logit equals <paramref name="max"/>.</summary>
    public static int FirstIndexOf(ReadOnlySpan<float> logits, float max)
    {
        int width = Vector<float>.Count;
        var target = new Vector<float>(max);
        int i = 0;
        for (; i <= logits.Length - width; i += width)
        {
            if (Vector.EqualsAny(new Vector<float>(logits[i..]), target)) break;
        }
        for (; i < logits.Length; i++)
        {
            if (logits[i] == max) return i;
        }
        throw new InvalidOperationException("the maximum logit was not found");
    }

    /// <summary>
    /// Writes mass[i] = exp(logit[i] - max) and returns the total and the part from logits >= <paramref name="floor"/>.
    /// </summary>
    public static (double Total, double AtOrAboveFloor) Mass(ReadOnlySpan<float> logits, float max, float floor, Span<float> mass)
    {
        int width = Vector<float>.Count;
        var maxV = new Vector<float>(max);
        var floorV = new Vector<float>(floor);
        double total = 0, aboveFloor = 0;
        int i = 0;
        // Accumulate in float lanes over short runs, then in double, so 128k terms lose no precision.
        const int run = 1024;
        while (i <= logits.Length - width)
        {
            var sum = Vector<float>.Zero;
            var sumAbove = Vector<float>.Zero;
            int end = Math.Min(logits.Length - width, i + run - width);
            for (; i <= end; i += width)
            {
                var x = new Vector<float>(logits[i..]);
                var e = Vector.Exp(x - maxV);
                e.CopyTo(mass[i..]);
                sum += e;
                sumAbove += Vector.ConditionalSelect(Vector.GreaterThanOrEqual(x, floorV), e, Vector<float>.Zero);
            }
            total += Vector.Sum(sum);
            aboveFloor += Vector.Sum(sumAbove);
        }
        for (; i < logits.Length; i++)
        {
            float e = MathF.Exp(logits[i] - max);
            mass[i] = e;
            total += e;
            if (logits[i] >= floor) aboveFloor += e;
        }
        return (total, aboveFloor);
    }
}
