using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Packaging;

/// <summary>
/// The packages as a user gets them: the solution packed into a temp folder, a fresh console project whose only source
/// for BitNet.Gpu is that folder runs the README's "Use from .NET" example on the bundled model, and the tool installed
/// from the same folder runs <c>bitnet-gpu run</c> without a repository around it. Slow (about two minutes: it packs the
/// whole solution and builds a project), hence its trait.
/// </summary>
public class PackageInstallTests
{
    static string RepositoryRoot => Path.GetDirectoryName(Path.GetDirectoryName(BundledModel.Path))!;

    [Fact]
    [Trait("Category", "Slow")]
    public void TheReadmeExampleRunsFromThePackageAndTheToolInstallsAndRuns()
    {
        using var temp = new TempDirectory();
        string packages = Directory.CreateDirectory(temp.File("packages")).FullName;
        // A fresh package cache: an earlier pack of the same version in the machine's cache must not stand in for this one.
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = temp.File("nuget-cache") };

        // A Release test run has just built every packable project (the tests reference them all): pack those outputs as they are.
        bool builtInRelease = typeof(PackageInstallTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration == "Release";
        Run("dotnet", ["pack", Path.Combine(RepositoryRoot, "BitNet.Gpu.sln"), "-c", "Release", "-o", packages, "--disable-build-servers", .. (builtInRelease ? new[] { "--no-build" } : [])],
            RepositoryRoot, environment);
        string version = Regex.Match(Path.GetFileName(Directory.GetFiles(packages, "BitNet.Gpu.*.nupkg")
            .Single(f => Regex.IsMatch(Path.GetFileName(f), @"^BitNet\.Gpu\.\d"))), @"^BitNet\.Gpu\.(.+)\.nupkg$").Groups[1].Value;
        foreach (string id in new[] { "BitNet.Gpu", "BitNet.Gpu.Ilgpu", "BitNet.Gpu.Vulkan", "bitnet-gpu" })
        {
            Assert.True(File.Exists(Path.Combine(packages, $"{id}.{version}.nupkg")), $"{id} was not packed");
            Assert.True(File.Exists(Path.Combine(packages, $"{id}.{version}.snupkg")), $"{id} has no symbol package");
        }
        Assert.Empty(Directory.GetFiles(packages, "*Tests*").Concat(Directory.GetFiles(packages, "*Benchmarks*")));

        // The README's first C# block, as the Program.cs of a new console project that takes BitNet.Gpu from the folder only.
        string app = Directory.CreateDirectory(temp.File("app")).FullName;
        File.WriteAllText(Path.Combine(app, "Program.cs"), ReadmeExample());
        File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="BitNet.Gpu" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "NuGet.config"), NuGetConfig(packages, temp.Path));
        Run("dotnet", ["build", "-c", "Release", "--disable-build-servers"], app, environment);
        var answer = Run("dotnet", [Path.Combine(app, "bin", "Release", "net10.0", "app.dll"), BundledModel.Path], app, environment);
        Assert.True(answer.Trim().Length > 20, $"the example printed too little: '{answer}'");

        // The tool, installed from the same folder; run away from the repository, so its bundled model is the one found.
        string tools = temp.File("tools");
        Run("dotnet", ["tool", "install", "bitnet-gpu", "--tool-path", tools, "--add-source", packages, "--version", version], temp.Path, environment);
        var run = Run(Path.Combine(tools, "bitnet-gpu"), ["run", "-p", "Hi", "-n", "4"], temp.Path, environment, withoutModelVariable: true);
        Assert.StartsWith("Hi", run);
        Assert.True(run.Length > 2, "the tool generated nothing");
    }

    static string ReadmeExample()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot, "README.md"));
        int section = readme.IndexOf("## Use from .NET", StringComparison.Ordinal);
        Assert.True(section >= 0, "the README has no 'Use from .NET' section");
        const string Fence = "```csharp\n";
        int start = readme.IndexOf(Fence, section, StringComparison.Ordinal) + Fence.Length;
        return readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
    }

    /// <summary>
    /// The package folder as the only source of BitNet.Gpu* and bitnet-gpu; every other package (Microsoft.Extensions.AI.Abstractions)
    /// from the machine's package cache or its configured sources.
    /// </summary>
    static string NuGetConfig(string packages, string workingFolder)
    {
        var configured = Run("dotnet", ["nuget", "list", "source", "--format", "short"], workingFolder, new Dictionary<string, string>())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("E ", StringComparison.Ordinal)).Select(line => line[2..].Trim()).ToList();
        string cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var others = new List<string>();
        if (Directory.Exists(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? cache)) others.Add(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? cache);
        others.AddRange(configured);
        string sources = string.Join("\n", others.Select((s, i) => $"""    <add key="source{i}" value="{s}" />"""));
        string mappings = string.Join("\n", others.Select((_, i) => $"""    <packageSource key="source{i}"><package pattern="*" /></packageSource>"""));
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{packages}" />
            {sources}
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local"><package pattern="BitNet.Gpu" /><package pattern="BitNet.Gpu.*" /><package pattern="bitnet-gpu" /></packageSource>
            {mappings}
              </packageSourceMapping>
            </configuration>
            """;
    }

    static string Run(string program, string[] args, string workingFolder, Dictionary<string, string> environment, bool withoutModelVariable = false)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove("MSBuildExtensionsPath"); // set by the test host's build; a child build must find its own
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment.Remove("MSBuildSDKsPath");
        if (withoutModelVariable) start.Environment.Remove("BITNET_GPU_MODEL");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in 8 minutes");
        }
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} exited {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }
}
