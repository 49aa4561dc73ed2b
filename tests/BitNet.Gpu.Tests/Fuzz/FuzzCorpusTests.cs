using System.Text;
using BitNet.Gpu.Fuzz;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Model.SafeTensors;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Tests.Fuzz;

/// <summary>
/// The fuzz targets (tests/Fuzz) in-process, as CI's always-on slice of the fuzzing: every seed and every input the
/// fuzzer ever found (tests/Fuzz/findings/TARGET) replayed through the same harness functions, then a fixed number of
/// seeded random mutations of the seeds. A harness lets only its parser's documented exceptions through, so any other
/// exception fails the test with the input that caused it.
/// </summary>
public class FuzzCorpusTests
{
    public static TheoryData<string> Targets => new(FuzzTargets.All.Select(t => t.Name));

    static string Folder(string kind, string target) => RepositoryFiles.Path("tests", "Fuzz", kind, target);

    static IEnumerable<string> Files(string kind, string target) =>
        Directory.Exists(Folder(kind, target)) ? Directory.EnumerateFiles(Folder(kind, target)).Order() : [];

    static void RunAll(FuzzTarget target, IEnumerable<(string Name, byte[] Bytes)> inputs)
    {
        foreach (var (name, bytes) in inputs)
        {
            try { target.Run(bytes); }
            catch (Exception e)
            {
                // Kept for tests/Fuzz/findings/TARGET once fixed.
                string saved = Path.Combine(Path.GetTempPath(), $"fuzz-finding-{target.Name}-{name.Replace('/', '_').Replace(' ', '-')}");
                File.WriteAllBytes(saved, bytes);
                Assert.Fail($"{target.Name}: {name} ({bytes.Length} bytes, saved as {saved}): {e}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void SeedsAndFindingsReplayCleanly(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var files = Files("corpus", name).Concat(Files("findings", name)).ToList();
        Assert.NotEmpty(Files("corpus", name));
        RunAll(target, files.Select(f => (Path.GetRelativePath(RepositoryFiles.Root, f), File.ReadAllBytes(f))));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void SeededMutationsOfTheSeedsRunCleanly(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var seeds = Files("corpus", name).Select(File.ReadAllBytes).ToList();
        var random = new Random(20261205);
        RunAll(target, Enumerable.Range(0, 400).Select(i =>
        {
            var seed = seeds[random.Next(seeds.Count)];
            return ($"mutation {i}", Mutate(random, seed, seeds[random.Next(seeds.Count)]));
        }));
    }

    // The kinds of change afl-fuzz's havoc stage makes: flipped bits, interesting numbers, bytes removed, repeated or
    // inserted, and a splice with another seed.
    static byte[] Mutate(Random random, byte[] seed, byte[] other)
    {
        var bytes = new List<byte>(seed);
        int changes = 1 + random.Next(8);
        for (int c = 0; c < changes; c++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0 when bytes.Count > 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1 when bytes.Count > 0: bytes[at] = (byte)(new[] { 0, 1, 0x7F, 0x80, 0xFF }[random.Next(5)]); break;
                case 2 when bytes.Count >= at + 4:
                    uint[] interesting = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFF, 256, 1024];
                    var word = BitConverter.GetBytes(interesting[random.Next(interesting.Length)]);
                    for (int k = 0; k < 4; k++) bytes[at + k] = word[k];
                    break;
                case 3 when bytes.Count > 0: bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(16))); break;
                case 4 when bytes.Count > 0:
                    var block = bytes.Skip(at).Take(1 + random.Next(32)).ToArray();
                    bytes.InsertRange(at, block);
                    break;
                case 5: bytes.Insert(at, (byte)random.Next(256)); break;
                case 6 when other.Length > 0:
                    int from = random.Next(other.Length);
                    bytes = [.. bytes.Take(at), .. other.Skip(from)];
                    break;
            }
        }
        return [.. bytes];
    }

    [Fact]
    public void TheSeedsAreValidInputs()
    {
        // A seed the parser refuses teaches the fuzzer little: each must get through its parser.
        foreach (string f in Files("corpus", "gguf")) GgufFile.Open(f).Dispose();
        foreach (string f in Files("corpus", "safetensors")) SafeTensorsFile.Open(f).Dispose();
        foreach (string f in Files("corpus", "chat-template")) _ = new ChatTemplate(File.ReadAllText(f), "<s>", "</s>");
        foreach (string f in Files("corpus", "json-schema")) _ = BitNet.Gpu.Engine.Sampling.CompiledJsonSchema.Parse(File.ReadAllText(f));
        foreach (string f in Files("corpus", "tokenizer-json"))
        {
            byte[] bytes = File.ReadAllBytes(f);
            int split = Array.IndexOf(bytes, (byte)0);
            var vocabulary = HuggingFaceVocabularyReader.Read(new MemoryStream(bytes, 0, split < 0 ? bytes.Length : split), f,
                split < 0 ? null : new MemoryStream(bytes, split + 1, bytes.Length - split - 1), f);
            Assert.Equal("hello", new Tokenizer(vocabulary) is var t ? t.Decode(t.Encode("hello", false, false)) : null);
            if (vocabulary.ChatTemplate is not null) ChatTemplate.FromVocabulary(vocabulary);
        }
        Assert.Contains(Files("corpus", "tokenizer"), f => Encoding.UTF8.GetString(File.ReadAllBytes(f)).Length > 1);
    }
}
