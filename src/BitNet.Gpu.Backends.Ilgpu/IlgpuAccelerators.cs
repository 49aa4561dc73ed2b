using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>Which ILGPU accelerator family a backend runs on.</summary>
public enum IlgpuDeviceKind { Cuda, OpenCL, Cpu }

/// <summary>Finds ILGPU devices and creates backends on them.</summary>
public static class IlgpuAccelerators
{
    /// <summary>
    /// ILGPU's CPU accelerator shaped like a small GPU (warps of 32, groups of up to 128 threads, one multiprocessor):
    /// every kernel runs unchanged, slowly, for tests and benchmarks without a GPU.
    /// </summary>
    public static readonly CPUDevice SimulatedGpu = new(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 4, numMultiprocessors: 1);

    static IlgpuAccelerators() => DriverLibraries.Install();   // libcuda.so.1 / libOpenCL.so.1 where only the driver is installed

    /// <summary>The usable devices of one kind; empty (never an exception) when the driver or hardware is missing.
    /// For OpenCL only GPUs with the generic address space (which ILGPU requires) are listed.</summary>
    public static IReadOnlyList<Device> Devices(IlgpuDeviceKind kind)
    {
        try
        {
            using var context = CreateContext(kind);
            return [.. context.Devices.Where(d => IsUsable(kind, d))];
        }
        catch (Exception)
        {
            return [];   // no driver, no runtime library, or a broken installation: no devices of this kind
        }
    }

    /// <summary>Null when the driver library of <paramref name="kind"/> loads (or the kind needs none); otherwise one line
    /// naming the library and the loader's reason, e.g. "libcuda.so.1 could not be loaded: … No such file or directory".</summary>
    public static string? DriverLoadError(IlgpuDeviceKind kind) => DriverLibraries.LoadError(kind);

    /// <summary>Creates a backend on device <paramref name="index"/> of <paramref name="kind"/>.</summary>
    /// <param name="outputType">How the backend keeps an F16 output layer.</param>
    /// <remarks>On CUDA, setting the environment variable <c>BITNET_CUDA_GRAPHS=1</c> replays repeated steps (decode) as
    /// CUDA graphs (<see cref="IlgpuBackend"/>'s stepGraphs).</remarks>
    public static IlgpuBackend CreateBackend(IlgpuDeviceKind kind, int index, bool portableReductions = false, OutputLayerType outputType = OutputLayerType.Stored) =>
        CreateBackend(kind, index, SimulatedGpu, portableReductions, outputType,
            stepGraphs: kind == IlgpuDeviceKind.Cuda && Environment.GetEnvironmentVariable(CudaGraphsVariable) == "1");

    /// <summary>The environment variable that turns CUDA graphs on ("1").</summary>
    public const string CudaGraphsVariable = "BITNET_CUDA_GRAPHS";

    /// <summary>The backend on ILGPU's CPU accelerator shaped as <paramref name="device"/> (tests of other group sizes,
    /// and of step graphs, which the CPU accelerator replays launch by launch).</summary>
    internal static IlgpuBackend CreateCpuBackend(CPUDevice device, bool portableReductions = false, bool stepGraphs = false) =>
        CreateBackend(IlgpuDeviceKind.Cpu, 0, device, portableReductions, OutputLayerType.Stored, stepGraphs);

    static IlgpuBackend CreateBackend(IlgpuDeviceKind kind, int index, CPUDevice cpuShape, bool portableReductions, OutputLayerType outputType, bool stepGraphs)
    {
        var context = CreateContext(kind, cpuShape);
        try
        {
            var devices = context.Devices.Where(d => IsUsable(kind, d)).ToList();
            if ((uint)index >= (uint)devices.Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"{devices.Count} {kind} device(s) found");
            return new IlgpuBackend(BackendName(kind), context, devices[index].CreateAccelerator(context), portableReductions, outputType, stepGraphs);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>The backend on ILGPU's CPU accelerator (<see cref="SimulatedGpu"/>).</summary>
    /// <param name="portableReductions">Sum matrix rows through shared memory (OpenCL's path) instead of warp shuffles.</param>
    /// <param name="outputType">How the backend keeps an F16 output layer.</param>
    public static IlgpuBackend CreateCpuBackend(bool portableReductions = false, OutputLayerType outputType = OutputLayerType.Stored) =>
        CreateBackend(IlgpuDeviceKind.Cpu, 0, portableReductions, outputType);

    public static string BackendName(IlgpuDeviceKind kind) => kind switch
    {
        IlgpuDeviceKind.Cuda => "cuda",
        IlgpuDeviceKind.OpenCL => "opencl",
        _ => "ilgpu-cpu",
    };

    /// <summary>One line about a device: memory, and compute capability or OpenCL version.</summary>
    public static string Describe(Device device) => device switch
    {
        CudaDevice cuda => $"{Mib(cuda.MemorySize)} MiB, compute capability {cuda.Architecture?.Major}.{cuda.Architecture?.Minor}, {cuda.NumMultiprocessors} SMs",
        CLDevice cl => $"{Mib(cl.MemorySize)} MiB, {cl.DeviceVersion}, OpenCL C {cl.CVersion}, {cl.VendorName}",
        _ => $"{device.AcceleratorType}, warp {device.WarpSize}, {device.MaxNumThreadsPerGroup} threads per group",
    };

    static long Mib(long bytes) => bytes / (1024 * 1024);

    static Context CreateContext(IlgpuDeviceKind kind, CPUDevice? cpuShape = null) => Context.Create(builder =>
    {
        _ = kind switch
        {
            IlgpuDeviceKind.Cuda => builder.Cuda(),
            IlgpuDeviceKind.OpenCL => builder.OpenCL(),
            _ => builder.CPU(cpuShape ?? SimulatedGpu),
        };
        builder.EnableAlgorithms();   // XMath (exp, sqrt, floor) on every backend; ILGPU's default optimization level
        builder.EnableDp4a();         // dp4a in registers for the CUDA ternary kernels
    });

    static bool IsUsable(IlgpuDeviceKind kind, Device device) => kind switch
    {
        IlgpuDeviceKind.Cuda => device is CudaDevice,
        // ILGPU 1.5 creates OpenCL accelerators only on devices with the generic address space (OpenCL 2.0 feature).
        IlgpuDeviceKind.OpenCL => device is CLDevice { DeviceType: CLDeviceType.CL_DEVICE_TYPE_GPU, Capabilities.GenericAddressSpace: true },
        _ => device is CPUDevice,
    };
}
