using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>
/// The f16 rows of the KV cache: every value stored is .NET's own float → Half conversion (nearest, ties to even) of
/// the value saturated to ±65504, at the index the interleaved layout gives it, and every finite f16 loads back exactly.
/// </summary>
public unsafe class HalfRowsTests
{
    static ushort Expected(float x) => BitConverter.HalfToUInt16Bits((Half)Math.Clamp(x, -65504f, 65504f));

    /// <summary>Values that exercise every branch of the conversion: normal and subnormal f16 results, exact ties
    /// between two f16 values and their float neighbours, zeros of both signs, saturation, and random magnitudes.</summary>
    internal static float[] HardValues()
    {
        var values = new List<float> { 0f, -0f, 65504f, -65504f, 65519.99f, 65520f, 1e9f, -1e9f, float.PositiveInfinity, float.NegativeInfinity,
                                        float.Epsilon, 6e-8f, 3e-8f, 2.9802322e-8f /* 2^-25: ties to 0 */, 6.1035156e-5f /* 2^-14 */ };
        for (int bits = 0; bits < 0x7BFF; bits += 7) // a tie between each f16 and the next, and the floats either side of it
        {
            float low = (float)BitConverter.UInt16BitsToHalf((ushort)bits), high = (float)BitConverter.UInt16BitsToHalf((ushort)(bits + 1));
            float tie = (low + high) / 2; // exact in float
            foreach (float v in new[] { tie, MathF.BitDecrement(tie), MathF.BitIncrement(tie), low })
            {
                values.Add(v);
                values.Add(-v);
            }
        }
        var random = new Random(17);
        for (int i = 0; i < 4000; i++) values.Add((float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-30, 18))));
        return values.ToArray();
    }

    public static TheoryData<SimdPath> Paths() => KernelTestData.SupportedPaths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void StoreRow_WritesNetsRoundingAtTheInterleavedIndex(SimdPath path)
    {
        var all = HardValues();
        foreach (int length in new[] { 32 * 50, 32 * 7 + 13, 16, 1 }) // whole runs; runs and a tail; only a tail
            for (int start = 0; start + length <= all.Length; start += length * 3 + 1)
            {
                var row = all.AsSpan(start, length).ToArray();
                var stored = new ushort[length];
                Array.Fill(stored, (ushort)0x7E01); // poison: a NaN no conversion writes
                fixed (ushort* destination = stored) HalfRows.StoreRow(row, destination, path);
                for (int i = 0; i < length; i++)
                {
                    ushort actual = stored[HalfRows.StoredIndex(i, length)];
                    Assert.True(Expected(row[i]) == actual, $"{path}, length {length}: value {i} = {row[i]:R} stored as 0x{actual:X4}, expected 0x{Expected(row[i]):X4}");
                }
            }
    }

    [Fact]
    public void StoreRow_KeepsNaNAsNaN()
    {
        var row = new float[64];
        row[5] = float.NaN;
        row[40] = -float.NaN;
        var stored = new ushort[64];
        fixed (ushort* destination = stored) HalfRows.StoreRow(row, destination);
        Assert.True(Half.IsNaN(BitConverter.UInt16BitsToHalf(stored[HalfRows.StoredIndex(5, 64)])));
        Assert.True(Half.IsNaN(BitConverter.UInt16BitsToHalf(stored[HalfRows.StoredIndex(40, 64)])));
    }

    [Fact]
    public void StoredIndex_IsAPermutationOfEachRow()
    {
        foreach (int length in new[] { 128, 80, 31, 33 })
            Assert.Equal(Enumerable.Range(0, length), Enumerable.Range(0, length).Select(i => HalfRows.StoredIndex(i, length)).Order());
        Assert.Equal(1, HalfRows.StoredIndex(16, 32)); // v[16] shares a 32-bit lane with v[0]
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void LoadRows_GivesEveryFiniteHalfBackExactly(SimdPath path)
    {
        // Every f16 bit pattern but infinities and NaNs (the cache saturates instead of storing infinities), in stored
        // order, for rows of whole runs (one pass) and rows with a tail (run by run, then in order).
        var finite = Enumerable.Range(0, 1 << 16).Where(b => (b & 0x7C00) != 0x7C00).Select(b => (ushort)b).ToArray();
        foreach (int length in new[] { 128, 80 })
        {
            int rows = (finite.Length + length - 1) / length;
            var logical = new ushort[rows * length];
            for (int i = 0; i < logical.Length; i++) logical[i] = finite[i % finite.Length];
            var stored = new ushort[logical.Length];
            for (int r = 0; r < rows; r++)
                for (int i = 0; i < length; i++)
                    stored[r * length + HalfRows.StoredIndex(i, length)] = logical[r * length + i];
            var loaded = KernelTestData.Poisoned(logical.Length);
            fixed (ushort* source = stored)
            fixed (float* destination = loaded)
                HalfRows.LoadRows(source, rows, length, destination, path);
            for (int i = 0; i < logical.Length; i++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf(logical[i]);
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(loaded[i]),
                    $"{path}, length {length}: 0x{logical[i]:X4} loaded as {loaded[i]:R}, expected {expected:R}");
            }
        }
    }

    [Fact]
    public void HalfCache_HoldsEachValueRoundedToF16_InHalfTheBytes()
    {
        var random = new Random(3);
        using var half = new KvCache(layers: 2, kvHeads: 2, capacity: 5, headDim: 48, KvCacheElement.Half);
        using var single = new KvCache(layers: 2, kvHeads: 2, capacity: 5, headDim: 48);
        var keys = KernelTestData.Floats(random, 96, 300f);
        var values = KernelTestData.Floats(random, 96, 1e-3f);
        half.Store(1, 3, keys, values);
        single.Store(1, 3, keys, values);
        for (int h = 0; h < 2; h++)
            for (int d = 0; d < 48; d++)
            {
                int cached = (h * 5 + 3) * 48 + d;
                Assert.Equal((float)(Half)keys[h * 48 + d], half.CopyKeys(1)[cached]);
                Assert.Equal((float)(Half)values[h * 48 + d], half.CopyValues(1)[cached]);
                Assert.Equal(keys[h * 48 + d], single.CopyKeys(1)[cached]);
            }
        Assert.Contains(keys, k => (float)(Half)k != k); // the data needs rounding, so a cache that kept floats fails above
        Assert.Equal(single.BytesPerPosition, 2 * half.BytesPerPosition);
    }
}
