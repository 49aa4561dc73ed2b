using BitNet.Gpu.Model;

namespace BitNet.Gpu.Tests.Support;

/// <summary>
/// Random corruption of a valid file: every mutant must either open and read cleanly or fail with
/// <see cref="ModelFormatException"/> — never another exception, a crash or a hang. Shared by the format readers' mutation tests.
/// Cases: 3000 by default; set BITNET_MUTATION_CASES for more (e.g. 200000 for a long run).
/// </summary>
public static class MutationHarness
{
    public static int CaseCount => int.TryParse(Environment.GetEnvironmentVariable("BITNET_MUTATION_CASES"), out int n) ? n : 3000;

    /// <param name="mutate">Makes one corrupted copy of the original.</param>
    /// <param name="openAndRead">Opens the file at the given path and reads all of it, as a loader would.</param>
    /// <param name="extension">File extension of the mutants (a failing one is kept as failing.EXT for a look).</param>
    public static void AssertOnlyCleanErrors(Func<Random, byte[]> mutate, Action<string> openAndRead, string extension, int seed)
    {
        var random = new Random(seed);
        using var dir = new TempDirectory();
        string path = dir.File("mutant" + extension);
        int opened = 0, rejected = 0;
        for (int i = 0; i < CaseCount; i++)
        {
            var mutant = mutate(random);
            File.WriteAllBytes(path, mutant);
            try
            {
                openAndRead(path);
                opened++;
            }
            catch (ModelFormatException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                File.WriteAllBytes(dir.File("failing" + extension), mutant);
                Assert.Fail($"case {i}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }
        // The corruptions must actually reach the checks, and some must be harmless.
        Assert.True(rejected > CaseCount / 4, $"only {rejected} of {CaseCount} mutants were rejected");
        Assert.True(opened > 0, "no mutant opened");
    }
}
