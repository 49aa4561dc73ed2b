using BitNet.Gpu.Engine.Checking;
using BitNet.Gpu.Tests.Backends.Vulkan;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Cli;

/// <summary>
/// bitnet-gpu check as CI runs it: the CPU backend and Vulkan on lavapipe, every operation case and the tiny model,
/// exit 0 with a table; and the comparison that makes it fail.
/// </summary>
public class CheckCommandTests
{
    [Fact]
    public void CheckCpu_RunsEveryCaseAndTheModel_AndPasses()
    {
        var r = CliRunner.Run("check", "--backend", "cpu", "--quick", "--seed", "7");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("inputs from --seed 7", r.Stdout);
        Assert.Contains("model logits", r.Stdout);
        Assert.Contains("check: all passed", r.Stdout);
        foreach (var operation in OperationCases.All().Select(c => c.Operation).Distinct())
            Assert.Contains(operation, r.Stdout);
        Assert.DoesNotContain("FAIL", r.Stdout);
    }

    [SkippableFact]
    public void CheckVulkan_OnLavapipe_Passes()
    {
        Skip.If(VulkanTestDevice.SkipReason is not null, VulkanTestDevice.SkipReason);
        var r = CliRunner.RunWithEnvironment(null, new Dictionary<string, string> { ["VK_ICD_FILENAMES"] = VulkanTestDevice.LavapipeIcd },
                                             "check", "--backend", "vulkan", "--quick");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("check: all passed", r.Stdout);
    }

    [Fact]
    public void ABackendThatCannotBeChecked_IsAUsageError()
    {
        CliAssert.CleanError(CliRunner.Run("check", "--backend", "reference"), 1, "--backend 'reference'");
        CliAssert.CleanError(CliRunner.Run("check", "--backend", "nope"), 1, "--backend 'nope'");
        CliAssert.CleanError(CliRunner.Run("check", "--device", "-1"), 1, "--device");
    }

    [Fact]
    public void TheComparison_FailsOnAnUnwrittenElement_AndPastTheTolerance()
    {
        Assert.Null(BackendCheck.Compare([1f, -2f], [1f, -2.0001f], 1e-4).Failure);
        Assert.Contains("not written", BackendCheck.Compare([1f, 2f], [1f, float.NaN], 1).Failure);
        var (error, failure) = BackendCheck.Compare([1f, 2f], [1f, 2.01f], 1e-3);
        Assert.Contains("element 1", failure);
        Assert.Equal(0.005, error, 6);
    }
}
