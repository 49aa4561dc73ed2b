namespace BitNet.Gpu.Model.Formats;

/// <summary>
/// numpy's float32 <c>sum</c> of a contiguous array, reproduced in its exact order so that converters match
/// numpy's results bit for bit: the reduction runs over buffers of 8192 values added one after another,
/// each buffer summed pairwise (numpy's <c>pairwise_sum</c>: blocks of up to 128 values with eight
/// interleaved accumulators, longer runs split in two at a multiple of 8).
/// </summary>
internal static class NumpySum
{
    const int BufferSize = 8192;
    const int PairwiseBlock = 128;

    public static float Float32(ReadOnlySpan<float> values)
    {
        float sum = 0;
        for (int start = 0; start < values.Length; start += BufferSize)
            sum += Pairwise(values.Slice(start, Math.Min(BufferSize, values.Length - start)));
        return sum;
    }

    internal static float Pairwise(ReadOnlySpan<float> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            float res = 0;
            foreach (float x in a)
                res += x;
            return res;
        }
        if (n <= PairwiseBlock)
        {
            Span<float> r = stackalloc float[8];
            a[..8].CopyTo(r);
            int i = 8;
            for (; i < n - n % 8; i += 8)
            {
                for (int j = 0; j < 8; j++)
                    r[j] += a[i + j];
            }
            float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++)
                res += a[i];
            return res;
        }
        int half = n / 2;
        half -= half % 8;
        return Pairwise(a[..half]) + Pairwise(a[half..]);
    }
}
