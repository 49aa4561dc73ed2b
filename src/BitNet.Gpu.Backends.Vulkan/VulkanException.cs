using Silk.NET.Vulkan;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>A Vulkan call failed, the device was lost, or the validation layer reported a problem.</summary>
public class VulkanException(string message) : Exception(message)
{
    /// <summary>Throws unless <paramref name="result"/> is Success, naming the call and, for a lost device, saying so plainly.</summary>
    public static void Check(Result result, string call)
    {
        if (result == Result.Success) return;
        if (result == Result.ErrorDeviceLost)
            throw new VulkanException($"{call}: the Vulkan device was lost (VK_ERROR_DEVICE_LOST): the driver reset it or a shader faulted");
        throw new VulkanException($"{call} failed: {result}");
    }
}

/// <summary>The Khronos validation layer reported warnings or errors: the backend used Vulkan incorrectly.</summary>
public sealed class VulkanValidationException(IReadOnlyList<string> messages)
    : VulkanException($"Vulkan validation reported {messages.Count} problem(s):\n  " + string.Join("\n  ", messages))
{
    public IReadOnlyList<string> Messages { get; } = messages;
}
