using System.Text.RegularExpressions;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// Makes every work-group barrier in ILGPU's OpenCL C fence local memory as well as global memory. ILGPU 1.5 emits
/// <c>work_group_barrier(CLK_GLOBAL_MEM_FENCE)</c> for <c>Group.Barrier()</c>, while the reductions and attention
/// exchange values through <c>local</c> arrays: OpenCL orders local-memory accesses across a barrier only under
/// CLK_LOCAL_MEM_FENCE, and compilers that narrow fences by address space (AMD's) may reorder them otherwise.
/// </summary>
static partial class OpenClBarriers
{
    const string LocalFence = "CLK_LOCAL_MEM_FENCE";

    /// <summary>A call of barrier or work_group_barrier: its fence flags, then any memory-scope argument.</summary>
    [GeneratedRegex(@"\b(?<call>work_group_barrier|barrier)\s*\(\s*(?<flags>[^,()]*?)\s*(?<scope>,[^()]*)?\)")]
    private static partial Regex BarrierCall();

    /// <summary>The source with CLK_LOCAL_MEM_FENCE added to the flags of every barrier that lacks it.</summary>
    public static string FenceLocalMemory(string source) => BarrierCall().Replace(source, call =>
        HasLocalFence(call) ? call.Value : $"{call.Groups["call"].Value}({LocalFence} | {call.Groups["flags"].Value}{call.Groups["scope"].Value})");

    /// <summary>Every barrier call in the source, and whether its flags include CLK_LOCAL_MEM_FENCE.</summary>
    public static IReadOnlyList<(string Call, bool FencesLocalMemory)> Barriers(string source) =>
        [.. BarrierCall().Matches(source).Select(call => (call.Value, HasLocalFence(call)))];

    static bool HasLocalFence(Match call) => call.Groups["flags"].Value.Contains(LocalFence, StringComparison.Ordinal);
}
