using BitNet.Gpu.Backends.Vulkan;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Reference;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Engine.Backends;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>Weight layouts the shared suite does not reach: f16 norm vectors (kept as f32) and f16 matrices with an odd
/// number of columns (halves would straddle uints, so they are kept as f32).</summary>
public sealed class VulkanWeightTests
{
    static float[] RandomValues(int seed, int count)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    static float[] Run(IComputeBackend b, int rows, int cols, int outCols, Action<DeviceBuffer, DeviceBuffer> op, float[] x)
    {
        using var input = b.AllocateActivations(rows, cols);
        using var output = b.AllocateActivations(rows, outCols);
        b.Write(input, rows, x);
        b.Write(output, rows, Enumerable.Repeat(float.NaN, rows * outCols).ToArray());
        b.BeginStep(new int[rows], 0);
        op(input, output);
        var values = new float[rows * outCols];
        b.Read(output, rows, values);
        return values;
    }

    [VulkanFact]
    public void RmsNorm_WithF16NormVector_MatchesReference()
    {
        using var weights = new WeightFile(seed: 60);
        string name = weights.AddDense("attn_norm.weight", GgmlType.F16, 1, 300, scale: 0.2f, offset: 1f, asVector: true);
        var x = RandomValues(61, 3 * 300);
        float[] Norm(IComputeBackend b)
        {
            using var w = b.UploadVector(weights.File, weights[name]);
            return Run(b, 3, 300, 300, (input, output) => b.RmsNorm(input, w, output, 3, 1e-5f), x);
        }
        using var reference = new ReferenceBackend();
        using var vulkan = VulkanTestDevice.CreateBackend();
        BackendOpsTests.AssertClose(Norm(reference), Norm(vulkan), 1e-4, "rms_norm with an f16 weight");
    }

    [VulkanFact]
    public void DenseMatMul_F16WithOddColumns_IsKeptAsF32AndMatchesReference()
    {
        using var weights = new WeightFile(seed: 62);
        string name = weights.AddDense("output.weight", GgmlType.F16, 45, 33, scale: 0.1f);
        var x = RandomValues(63, 2 * 33);
        float[] Project(IComputeBackend b)
        {
            using var w = b.UploadDense(weights.File, weights[name]);
            if (w is VulkanDenseWeight dense) Assert.False(dense.IsHalf);
            return Run(b, 2, 33, 45, (input, output) => b.DenseMatMul(w, input, output, 2), x);
        }
        using var reference = new ReferenceBackend();
        using var vulkan = VulkanTestDevice.CreateBackend();
        BackendOpsTests.AssertClose(Project(reference), Project(vulkan), 1e-4, "dense f16 with 33 columns");
    }
}
