using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Rows of f16 values in the order the KV cache keeps them, so that loading them as floats takes three integer ops per
/// 16 values. Each run of 32 values v[c .. c+31] is stored interleaved, v[c], v[c+16], v[c+1], v[c+17], …: a 32-bit lane
/// then holds v[c+i] in its low half and v[c+16+i] in its high half, and shifting the halves into a float's place
/// (the trick of <see cref="F16MatVec"/>) gives v[c .. c+15] from the low halves and v[c+16 .. c+31] from the high ones,
/// in order. A row's last values that do not fill a run of 32 are stored in order.
/// <para>Values are stored rounded to the nearest f16 (ties to even) and saturated to ±65504, so the cache holds no
/// infinities. A NaN is stored as a NaN but loads as a large finite value (the load keeps to three ops); a NaN key or
/// value only comes from a NaN hidden state, which the residual stream carries to the logits anyway.</para>
/// </summary>
public static unsafe class HalfRows
{
    /// <summary>Values in one interleaved run.</summary>
    public const int Run = 32;

    /// <summary>The largest finite f16.</summary>
    public const float MaxValue = 65504f;

    /// <summary>The f16 bits the cache stores for <paramref name="value"/>: nearest, ties to even, saturated to ±65504.</summary>
    public static ushort ToBits(float value) => BitConverter.HalfToUInt16Bits((Half)Math.Clamp(value, -MaxValue, MaxValue));

    /// <summary>Index in the stored row of value <paramref name="i"/> of a row of <paramref name="length"/> values.</summary>
    public static int StoredIndex(int i, int length)
    {
        int runStart = i - i % Run;
        if (runStart + Run > length) return i; // the tail, in order
        int inRun = i - runStart;
        return runStart + (inRun < Run / 2 ? 2 * inRun : 2 * (inRun - Run / 2) + 1);
    }

    /// <summary>Stores one row: <paramref name="destination"/>[StoredIndex(i)] = f16 bits of values[i].</summary>
    public static void StoreRow(ReadOnlySpan<float> values, ushort* destination) => StoreRow(values, destination, SimdSupport.Best);

    /// <summary><see cref="StoreRow(ReadOnlySpan{float}, ushort*)"/> on a given path (AVX2 and AVX-512 convert 8 floats at a time).</summary>
    internal static void StoreRow(ReadOnlySpan<float> values, ushort* destination, SimdPath path)
    {
        SimdSupport.ThrowIfUnsupported(path);
        int length = values.Length;
        int i = 0;
        fixed (float* source = values)
        {
            if (SimdSupport.HasAvx2(path))
                for (; i + Run <= length; i += Run)
                {
                    float* run = source + i;
                    uint* lanes = (uint*)(destination + i);
                    (ToBits(Vector256.Load(run)) | (ToBits(Vector256.Load(run + 16)) << 16)).Store(lanes);
                    (ToBits(Vector256.Load(run + 8)) | (ToBits(Vector256.Load(run + 24)) << 16)).Store(lanes + 8);
                }
        }
        for (; i < length; i++) destination[StoredIndex(i, length)] = ToBits(values[i]);
    }

    /// <summary>
    /// <paramref name="rows"/> consecutive stored rows of <paramref name="length"/> values back to floats, in order:
    /// destination[r·length + i] = value i of row r, exactly.
    /// </summary>
    public static void LoadRows(ushort* source, int rows, int length, float* destination) =>
        LoadRows(source, rows, length, destination, SimdSupport.Best);

    /// <summary><see cref="LoadRows(ushort*, int, int, float*)"/> on a given path.</summary>
    internal static void LoadRows(ushort* source, int rows, int length, float* destination, SimdPath path)
    {
        SimdSupport.ThrowIfUnsupported(path);
        if (length % Run == 0) // runs follow each other across rows: one pass over all of them
        {
            LoadRuns(source, (long)rows * length / Run, destination, path);
            return;
        }
        int runs = length / Run;
        for (int r = 0; r < rows; r++)
        {
            ushort* row = source + (long)r * length;
            float* output = destination + (long)r * length;
            LoadRuns(row, runs, output, path);
            for (int i = runs * Run; i < length; i++) output[i] = (float)BitConverter.UInt16BitsToHalf(row[i]);
        }
    }

    /// <summary>Whole runs of 32 stored values to floats in order.</summary>
    static void LoadRuns(ushort* source, long runs, float* destination, SimdPath path)
    {
        long run = 0;
        if (path == SimdPath.Avx512)
        {
            var mask = Vector512.Create(FloatPlaceMask);
            var scale = Vector512.Create(HalfConversion.TwoPow112);
            for (; run < runs; run++)
            {
                var lanes = Vector512.Load((int*)(source + run * Run));
                float* output = destination + run * Run;
                ((Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(lanes, 16), 3) & mask).AsSingle() * scale).Store(output);
                ((Vector512.ShiftRightArithmetic(lanes, 3) & mask).AsSingle() * scale).Store(output + 16);
            }
        }
        else if (path is SimdPath.Avx2 or SimdPath.Avx2Vnni)
        {
            var mask = Vector256.Create(FloatPlaceMask);
            var scale = Vector256.Create(HalfConversion.TwoPow112);
            for (; run < runs; run++)
                for (int part = 0; part < 2; part++) // lanes 0..7 hold values 0..7 and 16..23; lanes 8..15 hold 8..15 and 24..31
                {
                    var lanes = Vector256.Load((int*)(source + run * Run + 16 * part));
                    float* output = destination + run * Run + 8 * part;
                    ((Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(lanes, 16), 3) & mask).AsSingle() * scale).Store(output);
                    ((Vector256.ShiftRightArithmetic(lanes, 3) & mask).AsSingle() * scale).Store(output + 16);
                }
        }
        for (; run < runs; run++)
        {
            ushort* stored = source + run * Run;
            float* output = destination + run * Run;
            for (int i = 0; i < Run / 2; i++)
            {
                output[i] = (float)BitConverter.UInt16BitsToHalf(stored[2 * i]);
                output[i + Run / 2] = (float)BitConverter.UInt16BitsToHalf(stored[2 * i + 1]);
            }
        }
    }

    /// <summary>
    /// A half shifted so its exponent and mantissa sit in a float's (bits 27..13) keeps the sign in bit 31; the arithmetic
    /// shift's copies of the sign in bits 30..28 and the bits below the mantissa are cleared. As a float it is value·2^-112.
    /// </summary>
    const int FloatPlaceMask = unchecked((int)0x8FFFE000);

    /// <summary>f16 bits of 8 floats in the low 16 bits of each lane, as <see cref="ToBits(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<uint> ToBits(Vector256<float> values)
    {
        var bits = values.AsUInt32();
        var sign = bits & Vector256.Create(0x8000_0000u);
        var magnitude = bits ^ sign;
        var isNaN = Vector256.GreaterThan(magnitude, Vector256.Create(0x7F80_0000u));
        magnitude = Vector256.Min(magnitude, Vector256.Create(0x477F_E000u)); // saturate at 65504 (compared as bits: same order)

        // Normal halves (|v| ≥ 2^-14): rebias the exponent by 127 − 15 and round the 23-bit mantissa to 10 bits, ties to even
        // (the carry of a round-up moves into the exponent, as it should).
        var odd = (magnitude >> 13) & Vector256.Create(1u);
        var normal = (magnitude - Vector256.Create(112u << 23) + Vector256.Create(0xFFFu) + odd) >> 13;
        // Subnormal halves: adding 0.5 leaves the value in units of 2^-24 in the mantissa, rounded to nearest even by the add.
        var subnormal = (magnitude.AsSingle() + Vector256.Create(0.5f)).AsUInt32() - Vector256.Create(0x3F00_0000u);
        var isSubnormal = Vector256.LessThan(magnitude, Vector256.Create(113u << 23));
        var half = Vector256.ConditionalSelect(isSubnormal, subnormal, normal);
        half = Vector256.ConditionalSelect(isNaN, Vector256.Create(0x7E00u), half);
        return half | (sign >> 16);
    }
}
