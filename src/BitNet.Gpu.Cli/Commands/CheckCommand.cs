using System.CommandLine;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Reference;
using BitNet.Gpu.Engine.Checking;
using Spectre.Console;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>
/// bitnet-gpu check: a self-test in the spirit of llama.cpp's test-backend-ops. Every backend operation on fresh random
/// inputs, at odd shapes and at BitNet b1.58 2B4T's, against the reference backend (the op test suite's own cases), then a
/// tiny random model's logits against the CPU backend's. Prints a table and exits 1 on any failure.
/// </summary>
public static class CheckCommand
{
    public static Command Create()
    {
        var backends = new Option<string[]>("--backend")
        {
            Description = "backends to check (repeatable): cpu, cuda, opencl, vulkan; default: every one with a device",
            AllowMultipleArgumentsPerToken = true,
        };
        var device = new Option<int>("--device") { Description = "device index within each backend (see 'bitnet-gpu devices')" };
        var threads = new Option<int>("--threads", "-t") { Description = "CPU threads (default: one per core)" };
        var quick = new Option<bool>("--quick") { Description = "only the odd shapes, not 2B4T's (seconds instead of a minute)" };
        var seed = new Option<int?>("--seed") { Description = "seed of the random inputs (default: a fresh one, printed)" };
        var command = new Command("check", "Check every backend operation and a tiny model against the reference") { backends, device, threads, quick, seed };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            int deviceIndex = parse.GetValue(device);
            if (deviceIndex < 0) throw new UsageException($"--device must be 0 or more, got {deviceIndex}");
            int threadCount = parse.GetValue(threads);
            if (threadCount is < 0 or > 1024) throw new UsageException($"--threads must be between 0 and 1024, got {threadCount}");
            var names = SelectBackends(parse.GetValue(backends));
            int inputSeed = parse.GetValue(seed) ?? Random.Shared.Next(1, 1_000_000);
            var options = new BackendOptions { Device = deviceIndex, Threads = threadCount };
            Console.Out.WriteLine($"check: {string.Join(", ", names)}; inputs from --seed {inputSeed}");
            bool ok = true;
            foreach (string name in names) ok &= CheckBackend(name, options, parse.GetValue(quick), inputSeed);
            Console.Out.WriteLine(ok ? "check: all passed" : "check: FAILED");
            return ok ? 0 : 1;
        }));
        return command;
    }

    /// <summary>The backends asked for, or every registered one (but the reference itself) that lists a device.</summary>
    static List<string> SelectBackends(string[]? requested)
    {
        var registry = Backends.Registry;
        if (requested is { Length: > 0 })
        {
            foreach (var name in requested)
                if (name == "auto" || name == "reference" || !registry.Names.Contains(name, StringComparer.OrdinalIgnoreCase))
                    throw new UsageException($"--backend '{name}' cannot be checked (choose from {string.Join(", ", registry.Names.Where(n => n is not ("auto" or "reference")))})");
            return [.. requested.Select(n => n.ToLowerInvariant()).Distinct()];
        }
        var available = new List<string>();
        foreach (var provider in registry.Providers.Where(p => p.Name != "reference"))
        {
            try { if (provider.Devices().Count > 0) available.Add(provider.Name); }
            catch (Exception e) { Console.Out.WriteLine($"check: {provider.Name} skipped: {(e is BackendUnavailableException u ? u.Reason : e.Message)}"); }
        }
        return available;
    }

    static bool CheckBackend(string name, BackendOptions options, bool quick, int seed)
    {
        IComputeBackend backend;
        try { backend = Backends.Registry.Create(name, options); }
        catch (Exception e) when (e is BackendUnavailableException or ArgumentException or NotSupportedException or InvalidOperationException or DllNotFoundException)
        {
            Console.Out.WriteLine($"check: {name}: FAILED to start: {(e is BackendUnavailableException u ? u.Reason : e.Message)}");
            return false;
        }
        using (backend)
        using (var reference = new ReferenceBackend())
        {
            Console.Out.WriteLine($"{name}: {backend.DeviceDescription}");
            var table = new Table().AddColumns("operation", "shape", "max error", "tolerance", "result", "ms");
            bool ok = true;
            var cases = OperationCases.All(modelShapes: !quick, seed);
            foreach (var operation in cases)
            {
                var outcome = BackendCheck.Run(operation, backend, reference);
                ok &= !outcome.Failed;
                string result = outcome.SkipReason is { } skip ? $"skipped: {skip}" : outcome.Passed ? "pass" : $"FAIL: {outcome.Failure}";
                table.AddRow(Markup.Escape(operation.Operation), Markup.Escape(operation.Shape), outcome.SkipReason is null ? $"{outcome.MaxError:E1}" : "",
                             $"{outcome.Tolerance:E0}", Markup.Escape(result), $"{outcome.Time.TotalMilliseconds:F0}");
            }
            var model = ModelCheck.Run(name, Backends.Registry, options, seed);
            ok &= model.Passed;
            table.AddRow("model logits", Markup.Escape($"{model.Model}, 8-token prompt + 3 tokens vs cpu"), $"{model.MaxError:E1} (mean {model.MeanError:E1})",
                         $"{ModelCheck.MaxTolerance:E0} (mean {ModelCheck.MeanTolerance:E0})", Markup.Escape(model.Passed ? "pass" : $"FAIL: {model.Failure}"),
                         $"{model.Time.TotalMilliseconds:F0}");
            AnsiConsole.Write(table);
            return ok;
        }
    }
}
