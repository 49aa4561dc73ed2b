using System.Runtime.CompilerServices;

namespace BitNet.Gpu.Tests.Support;

/// <summary>
/// Tests load many temporary model files; where the environment turns the weight cache on, each would leave a cache
/// file in the user's cache folder. The cache's own tests pass a folder explicitly; everything else (and every CLI the
/// tests start) loads without it.
/// </summary>
static class WeightCacheOff
{
    [ModuleInitializer]
    internal static void TurnOff() => Environment.SetEnvironmentVariable("BITNET_GPU_WEIGHT_CACHE", "off");
}
