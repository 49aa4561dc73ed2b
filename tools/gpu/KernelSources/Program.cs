using BitNet.Gpu.Backends.Ilgpu;
using ILGPU.Runtime.Cuda;

// kernel-sources OUTPUT_DIR [sm_XY] [isa_XY]: OUTPUT_DIR/<kernel>.ptx for that architecture (default sm_90, PTX ISA 7.8)
// and OUTPUT_DIR/<kernel>.cl (OpenCL C as a device builds it).
if (args.Length is < 1 or > 3)
{
    Console.Error.WriteLine("usage: kernel-sources OUTPUT_DIR [sm_90] [isa_78]");
    return 1;
}
string output = Directory.CreateDirectory(args[0]).FullName;
var architecture = Parse<CudaArchitecture>(args.ElementAtOrDefault(1) ?? "sm_90");
var instructionSet = Parse<CudaInstructionSet>(args.ElementAtOrDefault(2) ?? "isa_78");
foreach (var (name, ptx) in IlgpuKernelSources.Ptx(architecture, instructionSet))
    File.WriteAllText(Path.Combine(output, name + ".ptx"), ptx);
foreach (var (name, source) in IlgpuKernelSources.OpenCl())
    File.WriteAllText(Path.Combine(output, name + ".cl"), source);
Console.WriteLine($"{output}: PTX for {args.ElementAtOrDefault(1) ?? "sm_90"}, OpenCL C");
return 0;

// "sm_90" → CudaArchitecture.SM_90, "isa_78" → CudaInstructionSet.ISA_78 (ILGPU's static fields).
static T Parse<T>(string name) =>
    typeof(T).GetField(name.ToUpperInvariant()) is { IsStatic: true } field && field.GetValue(null) is T value
        ? value
        : throw new ArgumentException($"'{name}' is not a {typeof(T).Name} ILGPU knows");
