using BitNet.Gpu.Fuzz;

// bitnet-gpu-fuzz: runs the fuzz targets (see ../README.md).
//   list                      the targets
//   run TARGET                one target under afl-fuzz (input on stdin; SharpFuzz's fork server)
//   replay TARGET PATH...     inputs (files or folders) through a target in-process; exit 1 when one is a finding
//   seeds FOLDER              writes the seed corpora, FOLDER/TARGET/*, from the repository's test data
return args switch
{
    ["list"] => List(),
    ["run", var name] => WithTarget(name, Run),
    ["replay", var name, .. var paths] when paths.Length > 0 => WithTarget(name, t => Replay(t, paths)),
    ["seeds", var folder] => Seeds(folder),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: bitnet-gpu-fuzz list | run TARGET | replay TARGET PATH... | seeds FOLDER");
    return 1;
}

static int List()
{
    foreach (var t in FuzzTargets.All) Console.WriteLine($"{t.Name,-16} {t.Description}");
    return 0;
}

static int WithTarget(string name, Func<FuzzTarget, int> action)
{
    if (FuzzTargets.Find(name) is { } target) return action(target);
    Console.Error.WriteLine($"bitnet-gpu-fuzz: unknown target '{name}' (targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))})");
    return 1;
}

static int Run(FuzzTarget target)
{
    // Nothing instrumented may run before Fuzzer.Run: the coverage map it writes is set up there. The first input is
    // run twice (once to warm up), so loading a vocabulary then is not counted against the timeout.
    SharpFuzz.Fuzzer.Run(stream =>
    {
        var input = new MemoryStream();
        stream.CopyTo(input);
        target.Run(input.ToArray());
    });
    return 0;
}

// The assemblies may be instrumented (fuzz.sh replays its crashes with them): their coverage map is set up by
// Fuzzer.Run, which outside afl-fuzz runs the action once.
static int Replay(FuzzTarget target, string[] paths)
{
    int result = 1;
    SharpFuzz.Fuzzer.Run(_ => result = ReplayFiles(target, paths));
    return result;
}

static int ReplayFiles(FuzzTarget target, string[] paths)
{
    var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Order() : (IEnumerable<string>)[p])
        .Where(f => Path.GetFileName(f) != "README.txt") // afl-fuzz's note in its crashes folder
        .ToList();
    int findings = 0;
    foreach (string file in files)
    {
        try { target.Run(File.ReadAllBytes(file)); }
        catch (Exception e)
        {
            findings++;
            Console.WriteLine($"{file}: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            Console.WriteLine($"    {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}");
        }
    }
    Console.WriteLine($"{target.Name}: {files.Count} inputs, {findings} findings");
    return findings == 0 ? 0 : 1;
}

static int Seeds(string folder)
{
    foreach (var (target, name, bytes) in CorpusSeeds.All())
    {
        string path = Path.Combine(folder, target, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        Console.WriteLine($"{path} ({bytes.Length} bytes)");
    }
    return 0;
}
