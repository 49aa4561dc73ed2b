using BenchmarkDotNet.Running;

// Runs the kernel and sampler micro-benchmarks: dotnet run -c Release --project benchmarks/BitNet.Gpu.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
