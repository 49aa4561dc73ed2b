using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Engine.Graph;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>
/// The whole model on Vulkan (lavapipe, validation on) against the CPU backend, on every architecture and ternary
/// type (the tolerance every backend's whole-model check uses, GraphNumericsTests.AssertLogitsClose), and the
/// bundled model against PyTorch's logits (as in BundledModelTests).
/// </summary>
public class VulkanGraphTests
{

    // Both with the same cache type: f32 unless a test asks for f16.
    static float[] Logits(string path, string backend, int[] tokens, int batchSize, KvCacheType cacheType = KvCacheType.F32) =>
        GraphNumericsTests.PromptLogits(path, backend, tokens, batchSize, cacheType, VulkanTestDevice.Registry());

    [VulkanTheory]
    [InlineData("bitnet-b1.58", GgmlType.I2_S)]
    [InlineData("llama", GgmlType.TQ1_0)]
    public void VulkanMatchesCpu_WithAnF16Cache(string architecture, GgmlType type)
    {
        // Both round what they store to the nearest f16; the shader packs pairs and unpacks them as it reads.
        string path = SyntheticModels.Tiny(architecture, type);
        var random = new Random(8);
        var tokens = Enumerable.Range(0, 13).Select(_ => random.Next(512)).ToArray();
        var cpu = Logits(path, "cpu", tokens, batchSize: 13, KvCacheType.F16);
        var vulkan = Logits(path, "vulkan", tokens, batchSize: 5, KvCacheType.F16);
        GraphNumericsTests.AssertLogitsClose(cpu, vulkan, $"{architecture} {type} f16 cache: vulkan vs cpu");
    }

    [VulkanTheory]
    [MemberData(nameof(GraphNumericsTests.Models), MemberType = typeof(GraphNumericsTests))]
    public void VulkanMatchesCpu(string architecture, GgmlType type)
    {
        string path = SyntheticModels.Tiny(architecture, type);
        var random = new Random(3);
        var tokens = Enumerable.Range(0, 13).Select(_ => random.Next(512)).ToArray();
        var cpu = Logits(path, "cpu", tokens, batchSize: 13);
        var vulkan = Logits(path, "vulkan", tokens, batchSize: 5);
        GraphNumericsTests.AssertLogitsClose(cpu, vulkan, $"{architecture} {type}: vulkan vs cpu");
    }

    [VulkanFact]
    public void BundledModelMatchesPyTorch()
    {
        var tokens = BundledModel.Int32s("passage_tokens.i32");
        var expected = BundledModel.Float32s("passage_logits.f32");
        var actual = Logits(BundledModel.Path, "vulkan", tokens, batchSize: 64);
        double range = expected.Max() - expected.Min();
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= 0.02 * range, $"max |Δlogit| {worst:F4} over a logit range of {range:F2}");
    }
}
