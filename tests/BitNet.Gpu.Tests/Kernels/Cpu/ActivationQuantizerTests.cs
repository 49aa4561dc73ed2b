using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

public class ActivationQuantizerTests
{
    /// <summary>scale = 127 / max(max|x|, 1e-5); q = round-half-even(x·scale) clamped to [-128, 127].</summary>
    static (sbyte[] Q, float Scale) Reference(float[] x)
    {
        float max = 0f;
        foreach (float v in x) max = Math.Max(max, Math.Abs(v));
        float scale = 127f / Math.Max(max, 1e-5f);
        var q = new sbyte[x.Length];
        for (int i = 0; i < x.Length; i++)
            q[i] = (sbyte)Math.Clamp(Math.Round((double)(x[i] * scale), MidpointRounding.ToEven), -128, 127);
        return (q, scale);
    }

    public static TheoryData<SimdPath> Paths() => KernelTestData.SupportedPaths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void Quantize_MatchesReferenceExactly(SimdPath path)
    {
        var random = new Random(1234);
        foreach (int length in new[] { 1, 15, 64, 100, 2560, 6912 + 37 })
        {
            var x = KernelTestData.Floats(random, length, magnitude: 3f);
            var (expectedQ, expectedScale) = Reference(x);
            var q = new sbyte[length];
            Array.Fill(q, (sbyte)0x7F);
            float scale = ActivationQuantizer.Quantize(x, q, path);
            Assert.Equal(expectedScale, scale);
            Assert.Equal(expectedQ, q);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Quantize_RoundsTiesToEven(SimdPath path)
    {
        // max|x| = 127 gives scale 1, so x·scale = x exactly and the .5 values are ties.
        var x = new float[128];
        for (int i = 0; i < x.Length; i++) x[i] = (i % 8 - 4) + 0.5f; // -3.5 .. 3.5
        x[0] = 127f;
        var q = new sbyte[x.Length];
        float scale = ActivationQuantizer.Quantize(x, q, path);
        Assert.Equal(1f, scale);
        for (int i = 1; i < x.Length; i++) Assert.Equal((sbyte)Math.Round(x[i], MidpointRounding.ToEven), q[i]);
        Assert.Equal(Reference(x).Q, q);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Quantize_AllZeroUsesTheFloor(SimdPath path)
    {
        var q = new sbyte[100];
        Array.Fill(q, (sbyte)5);
        float scale = ActivationQuantizer.Quantize(new float[100], q, path);
        Assert.Equal(127f / 1e-5f, scale);
        Assert.All(q, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Quantize_RejectsLengthMismatch() =>
        Assert.Throws<ArgumentException>("q", () => ActivationQuantizer.Quantize(new float[4], new sbyte[3]));
}
