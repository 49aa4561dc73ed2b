using System.Runtime.InteropServices;

namespace BitNet.Gpu.Backends.Ilgpu.StepGraphs;

/// <summary>
/// CUDA graphs through the driver API on ILGPU's stream: the recorded launches are issued again between
/// cuStreamBeginCapture and cuStreamEndCapture (captured, not run), the graph is instantiated once, and each replay is a
/// single cuGraphLaunch in place of one cuLaunchKernel per kernel. Needs CUDA 11.4 or later (cuGraphInstantiateWithFlags).
/// </summary>
sealed unsafe class CudaGraphCapturer : IGraphCapturer
{
    const int CaptureModeThreadLocal = 1;   // CU_STREAM_CAPTURE_MODE_THREAD_LOCAL: other threads' CUDA calls are not checked

    readonly IntPtr _stream;
    readonly delegate* unmanaged<IntPtr, int, int> _beginCapture;            // (CUstream, mode)
    readonly delegate* unmanaged<IntPtr, IntPtr*, int> _endCapture;          // (CUstream, CUgraph*)
    readonly delegate* unmanaged<IntPtr*, IntPtr, ulong, int> _instantiate;  // (CUgraphExec*, CUgraph, flags)
    readonly delegate* unmanaged<IntPtr, IntPtr, int> _launch;               // (CUgraphExec, CUstream)
    readonly delegate* unmanaged<IntPtr, int> _destroyExec;                  // (CUgraphExec)
    readonly delegate* unmanaged<IntPtr, int> _destroyGraph;                 // (CUgraph)

    CudaGraphCapturer(IntPtr driver, IntPtr stream)
    {
        _stream = stream;
        _beginCapture = (delegate* unmanaged<IntPtr, int, int>)NativeLibrary.GetExport(driver, "cuStreamBeginCapture_v2");
        _endCapture = (delegate* unmanaged<IntPtr, IntPtr*, int>)NativeLibrary.GetExport(driver, "cuStreamEndCapture");
        _instantiate = (delegate* unmanaged<IntPtr*, IntPtr, ulong, int>)NativeLibrary.GetExport(driver, "cuGraphInstantiateWithFlags");
        _launch = (delegate* unmanaged<IntPtr, IntPtr, int>)NativeLibrary.GetExport(driver, "cuGraphLaunch");
        _destroyExec = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(driver, "cuGraphExecDestroy");
        _destroyGraph = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(driver, "cuGraphDestroy");
    }

    /// <summary>The capturer for <paramref name="stream"/> (a CUstream), or null with the reason when the driver library
    /// or one of its graph functions is missing.</summary>
    public static CudaGraphCapturer? TryCreate(IntPtr stream, out string? reason)
    {
        var driver = DriverLibraries.TryLoadCudaDriver();
        if (driver == IntPtr.Zero)
        {
            reason = "the CUDA driver library could not be loaded";
            return null;
        }
        try
        {
            reason = null;
            return new CudaGraphCapturer(driver, stream);
        }
        catch (EntryPointNotFoundException e)
        {
            reason = $"the CUDA driver has no graph API ({e.Message}); CUDA 11.4 or later is needed";
            return null;
        }
    }

    public ICapturedGraph Capture(IReadOnlyList<RecordedLaunch> launches)
    {
        Check(_beginCapture(_stream, CaptureModeThreadLocal), "cuStreamBeginCapture");
        IntPtr graph = IntPtr.Zero;
        try
        {
            foreach (var launch in launches) launch.Launch();
        }
        finally
        {
            int ended = _endCapture(_stream, &graph);   // always ends the capture, even after a failed launch
            if (ended != 0 && graph != IntPtr.Zero) _destroyGraph(graph);
            Check(ended, "cuStreamEndCapture");
        }
        IntPtr exec;
        int instantiated = _instantiate(&exec, graph, 0);
        _destroyGraph(graph);   // the executable graph is independent of it
        Check(instantiated, "cuGraphInstantiateWithFlags");
        return new CudaGraph(this, exec);
    }

    static void Check(int result, string function)
    {
        if (result != 0) throw new InvalidOperationException($"{function} failed with CUDA error {result}");
    }

    sealed class CudaGraph(CudaGraphCapturer owner, IntPtr exec) : ICapturedGraph
    {
        IntPtr _exec = exec;

        public void Launch()
        {
            ObjectDisposedException.ThrowIf(_exec == IntPtr.Zero, this);
            Check(owner._launch(_exec, owner._stream), "cuGraphLaunch");
        }

        public void Dispose()
        {
            if (_exec == IntPtr.Zero) return;
            owner._destroyExec(_exec);   // safe while a launch is in flight: the driver frees it after the launch completes
            _exec = IntPtr.Zero;
        }
    }
}
