using System.Runtime.InteropServices;
using BitNet.Gpu.Backends.Ilgpu.StepGraphs;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Kernels.Ilgpu;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// The transformer's operations as ILGPU kernels on one accelerator (CUDA, OpenCL or ILGPU's CPU accelerator).
/// Kernels are compiled once here; weights, activations and the KV cache live on the device; every operation is
/// queued on one stream and only <see cref="Read"/> / <see cref="ReadQuantized"/> wait for it.
/// </summary>
public sealed partial class IlgpuBackend : IComputeBackend, IBandwidthProbe, IStepReplay
{
    readonly Context _context;
    readonly Accelerator _accelerator;
    readonly AcceleratorStream _stream;
    readonly DeviceMemory _memory;
    readonly IlgpuKernelSet _kernels;
    readonly RopeTable _rope;
    readonly AttentionScratch _attention;
    readonly DeviceStep _step;
    readonly PinnedStaging<int> _stepStaging;
    readonly PinnedStaging<float> _readback;
    readonly Q8Scratch _int8Input;
    readonly ScreenScratch _screen;
    readonly GrowingBuffer<int> _topLists;
    readonly OutputLayerType _outputType;
    readonly StepCapture? _capture;
    readonly string? _noStepGraphs;   // why step graphs were asked for and are not there
    int _contextLength = 1;

    /// <summary>Takes ownership of the context and accelerator.</summary>
    /// <param name="portableReductions">Sum matrix rows through shared memory even where warp shuffles work (tests).</param>
    /// <param name="outputType">How an F16 output layer is kept: as stored, or as int8 (<see cref="OutputLayerType.Int8"/>).</param>
    /// <param name="stepGraphs">Replay steps of a shape seen before as one graph (<see cref="IStepReplay"/>,
    /// <see cref="StepCapture"/>): CUDA graphs on CUDA, the recorded launches one by one on the CPU accelerator (tests);
    /// OpenCL has no graphs and ignores it.</param>
    public IlgpuBackend(string name, Context context, Accelerator accelerator, bool portableReductions = false,
                        OutputLayerType outputType = OutputLayerType.Stored, bool stepGraphs = false)
    {
        if (accelerator.MaxNumThreadsPerGroup < KernelShapes.GroupSize)
            throw new ArgumentException($"{accelerator.Name} allows {accelerator.MaxNumThreadsPerGroup} threads per group; the kernels need {KernelShapes.GroupSize}", nameof(accelerator));
        Name = name;
        _context = context;
        _accelerator = accelerator;
        _stream = accelerator.CreateStream();
        _memory = new DeviceMemory(accelerator);
        if (stepGraphs) _capture = CreateCapture(accelerator, _stream, out _noStepGraphs);
        if (_capture is not null) _memory.Changing = _capture.MemoryChanging;
        _kernels = new IlgpuKernelSet(accelerator, portableReductions, _capture);
        _rope = new RopeTable(_memory, _stream);
        _attention = new AttentionScratch(_memory, _stream);
        _stepStaging = new PinnedStaging<int>(accelerator);
        _readback = new PinnedStaging<float>(accelerator);
        _step = new DeviceStep(_memory, _stream, _stepStaging);
        _int8Input = new Q8Scratch(_memory, _stream);
        _screen = new ScreenScratch(_memory, _stream);
        _topLists = new GrowingBuffer<int>(_memory, _stream, "top-k lists");
        _outputType = outputType;
    }

    /// <summary>Step graphs for the accelerator, or null with the reason there are none.</summary>
    static StepCapture? CreateCapture(Accelerator accelerator, AcceleratorStream stream, out string? whyNot)
    {
        whyNot = null;
        if (stream is CudaStream cuda)
            return CudaGraphCapturer.TryCreate(cuda.StreamPtr, out whyNot) is { } capturer ? new StepCapture(capturer) : null;
        if (accelerator.AcceleratorType == AcceleratorType.CPU) return new StepCapture(new LaunchListCapturer());
        whyNot = $"{accelerator.AcceleratorType} has no graphs";
        return null;
    }

    public string Name { get; }
    public string DeviceDescription =>
        $"{_accelerator.Name} ({_accelerator.AcceleratorType}, {_accelerator.MemorySize / (1024 * 1024)} MiB{(_kernels.UsesDp4a ? ", dp4a" : "")}{(_kernels.UsesWarpShuffles ? ", warp shuffles" : "")}, norm groups of {_kernels.NormGroupSize}{(_outputType == OutputLayerType.Int8 ? ", int8 output layer" : "")}{StepGraphsDescription})";

    string StepGraphsDescription => _capture switch
    {
        { Disabled: { } reason } => $", step graphs off after a failed capture: {reason}",
        not null => ", step graphs",
        null when _noStepGraphs is not null => $", no step graphs: {_noStepGraphs}",
        null => "",
    };

    /// <summary>Bytes of device memory this backend holds.</summary>
    public long DeviceBytesInUse => _memory.BytesInUse;

    /// <summary>The step graphs, when on: their counters (tests, profiles).</summary>
    internal StepCapture? StepGraphs => _capture;

    /// <summary>Threads per group of the norm and quantization kernels on this device.</summary>
    internal int NormGroupSize => _kernels.NormGroupSize;

    /// <summary>Forces the number of sequence splits in attention (tests); 0 = chosen from the device size.</summary>
    internal int AttentionSplitsOverride { get; set; }

    // ---- weights ----

    public DeviceWeight UploadTernary(GgufFile file, GgufTensorInfo tensor)
    {
        int rows = checked((int)tensor.Rows), cols = checked((int)tensor.Columns);
        var (values, scales, blockSize) = TernaryValues.Unpack(tensor.Type, file.GetTensorBytes(tensor), tensor.ElementCount);
        int blockWidth = Math.Min(blockSize, cols);
        int blockShift;
        try { blockShift = TernaryLayout.BlockShift(cols, blockWidth); }
        catch (ArgumentException e) { throw new ArgumentException($"{tensor.Name}: {e.Message}", nameof(tensor), e); }

        int blocksPerRow = cols / blockWidth;
        var rowScales = new float[(long)rows * blocksPerRow];   // scale of block b of row r: value r·cols + b·blockWidth's block
        for (long i = 0; i < rowScales.Length; i++)
            rowScales[i] = scales[(i / blocksPerRow * cols + i % blocksPerRow * blockWidth) / blockSize];

        var words = TernaryLayout.Pack(values, rows, cols);
        var weight = new IlgpuTernaryWeight(_memory)
        {
            Name = tensor.Name, Rows = rows, Cols = cols, ByteSize = words.Length * 4L + rowScales.Length * 4L,
            Words = _memory.Allocate<uint>(words.Length, tensor.Name),
            BlockScales = _memory.Allocate<float>(rowScales.Length, tensor.Name + " scales"),
            VectorsPerRow = TernaryLayout.VectorsPerRow(cols), BlockShift = blockShift,
        };
        weight.Words.View.CopyFromCPU(_stream, words);
        weight.BlockScales.View.CopyFromCPU(_stream, rowScales);
        _stream.Synchronize();   // the host arrays go out of scope
        return weight;
    }

    /// <summary>F16 tensors stay F16. Other types are dequantized and stored as F16 when every value survives the
    /// conversion exactly, otherwise as F32, so no type loses precision on the device.</summary>
    public DeviceWeight UploadDense(GgufFile file, GgufTensorInfo tensor)
    {
        int rows = checked((int)tensor.Rows), cols = checked((int)tensor.Columns);
        long count = tensor.ElementCount;
        if (tensor.Type == GgmlType.F16)
            return DenseHalf(tensor.Name, rows, cols, MemoryMarshal.Cast<byte, ushort>(file.GetTensorBytes(tensor)));   // straight from the mapped file

        var values = new float[count];
        Dequantize.ToFloat(tensor.Type, file.GetTensorBytes(tensor), values);
        if (ExactlyHalf(values))
            return DenseHalf(tensor.Name, rows, cols, Array.ConvertAll(values, v => BitConverter.HalfToUInt16Bits((System.Half)v)));
        var weight = new IlgpuDenseWeight(_memory)
        {
            Name = tensor.Name, Rows = rows, Cols = cols, ByteSize = count * 4, Float = _memory.Allocate<float>(count, tensor.Name),
        };
        weight.Float!.View.CopyFromCPU(_stream, values);
        _stream.Synchronize();
        return weight;
    }

    public DeviceWeight UploadVector(GgufFile file, GgufTensorInfo tensor)
    {
        var values = new float[tensor.ElementCount];
        Dequantize.ToFloat(tensor.Type, file.GetTensorBytes(tensor), values);
        var weight = new IlgpuDenseWeight(_memory)
        {
            Name = tensor.Name, Rows = 1, Cols = values.Length, ByteSize = values.Length * 4L,
            Float = _memory.Allocate<float>(values.Length, tensor.Name),
        };
        weight.Float!.View.CopyFromCPU(_stream, values);
        _stream.Synchronize();
        return weight;
    }

    IlgpuDenseWeight DenseHalf(string name, int rows, int cols, ReadOnlySpan<ushort> bits)
    {
        var weight = new IlgpuDenseWeight(_memory)
        {
            Name = name, Rows = rows, Cols = cols, ByteSize = bits.Length * 2L, Half = _memory.Allocate<ushort>(bits.Length, name),
        };
        weight.Half!.View.CopyFromCPU(_stream, bits);
        _stream.Synchronize();
        return weight;
    }

    static bool ExactlyHalf(float[] values)
    {
        foreach (float v in values)
            if ((float)(System.Half)v != v) return false;
        return true;
    }

    // ---- buffers ----

    public DeviceBuffer AllocateActivations(int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        return new IlgpuBuffer(_memory) { Rows = rows, Cols = cols, Values = _memory.Allocate<float>((long)rows * cols, $"activations {rows}×{cols}") };
    }

    public DeviceBuffer AllocateQuantized(int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        int intsPerRow = TernaryLayout.IntsPerRow(cols);
        return new IlgpuQuantizedBuffer(_memory)
        {
            Rows = rows, Cols = cols, IntsPerRow = intsPerRow,
            Packed = _memory.Allocate<int>((long)rows * intsPerRow, $"quantized activations {rows}×{cols}"),
            Sums = _memory.Allocate<int>((long)rows * (intsPerRow / TernaryLayout.IntsPerChunk), $"activation sums {rows}×{cols}"),
            Scales = _memory.Allocate<float>(rows, "activation scales"),
        };
    }

    /// <summary>f16 by default, as llama.cpp (half the memory and the bytes attention reads); f32 on request.</summary>
    public IReadOnlyList<KvCacheType> KvCacheTypes => [KvCacheType.F16, KvCacheType.F32];

    public KvCache AllocateKvCache(int layers, int sequences, int contextLength, int keyValueHeads, int headDim, KvCacheType type)
    {
        if (type is not (KvCacheType.F32 or KvCacheType.F16)) throw new NotSupportedException($"the {Name} backend has no {type} KV cache");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequences);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(contextLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keyValueHeads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        long count = (long)layers * sequences * contextLength * keyValueHeads * headDim;
        _contextLength = Math.Max(_contextLength, contextLength);
        string shape = sequences == 1 ? $"{contextLength} positions" : $"{sequences} sequences × {contextLength} positions";
        string keysName = $"KV cache keys ({layers} layers × {shape}, {type.Name()})";
        string valuesName = $"KV cache values ({layers} layers × {shape}, {type.Name()})";
        return type == KvCacheType.F16
            ? AllocatePair<ushort>(count, keysName, valuesName, (k, v) => new IlgpuKvCache(_memory)
                { Type = type, Layers = layers, Sequences = sequences, ContextLength = contextLength, KeyValueHeads = keyValueHeads, HeadDim = headDim, HalfKeys = k, HalfValues = v })
            : AllocatePair<float>(count, keysName, valuesName, (k, v) => new IlgpuKvCache(_memory)
                { Type = type, Layers = layers, Sequences = sequences, ContextLength = contextLength, KeyValueHeads = keyValueHeads, HeadDim = headDim, Keys = k, Values = v });
    }

    /// <summary>Two buffers of <paramref name="count"/> elements; the first is freed if the second does not fit.</summary>
    IlgpuKvCache AllocatePair<T>(long count, string first, string second, Func<MemoryBuffer1D<T, Stride1D.Dense>, MemoryBuffer1D<T, Stride1D.Dense>, IlgpuKvCache> make)
        where T : unmanaged
    {
        var keys = _memory.Allocate<T>(count, first);
        try
        {
            return make(keys, _memory.Allocate<T>(count, second));
        }
        catch
        {
            _memory.Free(keys);
            throw;
        }
    }

    /// <summary>Uploads the step's token ids, sequences and positions in one copy; the kernels index them per token.</summary>
    public void BeginStep(StepTokens step)
    {
        _step.Upload(step);
        _topListRead = null;
    }

    /// <summary>A step of sequence 0 at positions startPosition, startPosition + 1, ...</summary>
    public void BeginStep(ReadOnlySpan<int> tokens, int startPosition) => BeginStep(StepTokens.Consecutive(tokens, startPosition));

    // ---- whole steps as graphs (when step graphs are on) ----

    public bool TryReplay(StepShape shape)
    {
        if (_capture?.Find(shape, _step.LongestLength, _step.LastSequence) is not { } recording) return false;
        recording.Graph.Launch();
        _topListRead = recording.TopListRead;
        return true;
    }

    public void BeginRecord(StepShape shape) => _capture?.Begin(shape);

    public void EndRecord() => _capture?.End(_topListRead);

    // ---- host transfers ----

    /// <summary>Waits for every queued operation (benchmarks; the graph needs only Read).</summary>
    public void Synchronize() => WaitForDevice();

    public void Write(DeviceBuffer buffer, int rows, ReadOnlySpan<float> values)
    {
        var b = (IlgpuBuffer)buffer;
        long count = (long)rows * b.Cols;
        if (rows < 0 || rows > b.Rows) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"buffer holds {b.Rows} rows");
        if (values.Length < count) throw new ArgumentException($"need {count} values, got {values.Length}", nameof(values));
        if (count == 0) return;
        _capture?.Abandon();
        b.Values.View.SubView(0, count).CopyFromCPU(_stream, values[..(int)count]);
    }

    public void Read(DeviceBuffer buffer, int rows, Span<float> destination)
    {
        var b = (IlgpuBuffer)buffer;
        long count = (long)rows * b.Cols;
        if (rows < 0 || rows > b.Rows) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"buffer holds {b.Rows} rows");
        if (destination.Length < count) throw new ArgumentException($"need room for {count} values, got {destination.Length}", nameof(destination));
        if (count == 0)
        {
            WaitForDevice();
            return;
        }
        if (_topListRead is var (logits, listedRows) && logits == b && listedRows == rows && TryReadTopLists(b, rows, destination)) return;
        _capture?.Abandon();
        _readback.CopyFrom(_stream, b.Values.View.SubView(0, count));   // a DMA into pinned memory, after the step's kernels
        WaitForDevice();
        _readback.Span((int)count).CopyTo(destination);
    }

    /// <summary>Waits until the stream has run everything queued; the pinned staging memory is the host's again.</summary>
    void WaitForDevice()
    {
        _capture?.Abandon();   // a step that waits mid-way is not replayed as a graph
        _stream.Synchronize();
        _stepStaging.StreamIdle();
        _readback.StreamIdle();
    }

    public void ReadQuantized(DeviceBuffer quantized, int rows, Span<sbyte> values, Span<float> scales)
    {
        var q = (IlgpuQuantizedBuffer)quantized;
        if (rows < 0 || rows > q.Rows) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"buffer holds {q.Rows} rows");
        if (values.Length < rows * q.Cols) throw new ArgumentException($"need room for {rows * q.Cols} values", nameof(values));
        if (scales.Length < rows) throw new ArgumentException($"need room for {rows} scales", nameof(scales));
        WaitForDevice();
        if (rows == 0) return;
        var packed = new int[(long)rows * q.IntsPerRow];
        q.Packed.View.SubView(0, packed.Length).CopyToCPU(_stream, packed);
        q.Scales.View.SubView(0, rows).CopyToCPU(_stream, scales[..rows]);
        _stream.Synchronize();
        var bytes = MemoryMarshal.Cast<int, sbyte>(packed);
        for (int r = 0; r < rows; r++)
            bytes.Slice(r * q.IntsPerRow * TernaryLayout.ValuesPerInt, q.Cols).CopyTo(values.Slice(r * q.Cols, q.Cols));
    }

    public void Dispose()
    {
        _stream.Synchronize();
        _capture?.Dispose();
        _rope.Dispose();
        _attention.Dispose();
        _step.Dispose();
        _readback.Dispose();
        _int8Input.Dispose();
        _screen.Dispose();
        _topLists.Dispose();
        _stream.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }
}
