using System.Runtime.InteropServices;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// The compute backend for any Vulkan 1.1 device: weights uploaded once to device-local buffers (ternary at 2 bits
/// per weight, f16 output/embedding matrices as halves), every operation of a step recorded into one command buffer,
/// and one submit and one wait per step, at <see cref="Read"/>. A step of a shape seen before is queued again as it was
/// recorded (<see cref="IStepReplay"/>), and replays the command buffer recorded for it. An F16 output layer may be kept
/// as int8 or screened for top-k products (<see cref="VulkanBackendOptions.OutputType"/>; the partial files
/// VulkanBackend.OutputLayer.cs and VulkanBackend.TopRows.cs); a screened step waits once more, for the screen. A top-k
/// step that computes every logit reads back only each row's top values (VulkanBackend.TopSelection.cs).
/// </summary>
public sealed partial class VulkanBackend : IComputeBackend, IBandwidthProbe, IStepReplay
{
    const int MaxGroupsPerDimension = 65535;   // the guaranteed minimum of maxComputeWorkGroupCount
    const int GroupSize = 64;                  // local_size_x of every shader
    const int MatVecRowsPerGroup = 4;          // rows per workgroup in ternary_matvec.comp and ternary_matmul.comp
    const int TernaryTokenTile = 8;            // tokens per workgroup in ternary_matmul.comp
    const int DenseTokenTile = 4;              // tokens per workgroup in dense_matmul.comp
    const int MaxHeadDim = 256;                // attention.comp keeps a head's query in shared memory
    const int MaxQueryHeadsPerGroup = 8;       // attention.comp's query heads per workgroup
    const int AttentionWorkgroupsPerToken = 32; // tokens × splits of a short step: one token's positions split 32 ways

    readonly VulkanContext _context;
    readonly VulkanKernels _kernels;
    readonly CommandStream _stream;
    readonly StepConstants _step;
    readonly AttentionScratch _attentionScratch;
    readonly Dictionary<(int RopeDims, float FreqBase), RopeTable> _ropeTables = [];
    readonly StepRecordings _recordings = new();
    readonly OutputLayerType _outputType;
    readonly ScratchBuffer _int8InputCodes, _int8InputScales, _screenSlack, _screenResults;
    int _tokenCount;
    int _lastSequence, _longestLength; // the step's highest slot, and its longest attention (position + 1)

    public VulkanBackend(VulkanBackendOptions options)
    {
        _context = new VulkanContext(options);
        _outputType = options.OutputType;
        (_int8InputCodes, _int8InputScales) = (new ScratchBuffer(_context), new ScratchBuffer(_context));
        (_screenSlack, _screenResults) = (new ScratchBuffer(_context), new ScratchBuffer(_context));
        try
        {
            _kernels = new VulkanKernels(_context);
            _stream = new CommandStream(_context);
            _step = new StepConstants(_context);
            _attentionScratch = new AttentionScratch(_context);
            _context.ThrowIfValidationFailed();
        }
        catch
        {
            _kernels?.Dispose();
            _context.Dispose();
            throw;
        }
    }

    public string Name => "vulkan";
    public string DeviceDescription => $"{_context.DeviceName} (Vulkan{(_context.IntegerDotProduct ? ", integer dot product" : "")}{OutputLayerNote})";

    string OutputLayerNote => _outputType switch
    {
        OutputLayerType.Int8 => ", int8 output layer",
        OutputLayerType.Screened => ", screened output layer",
        _ => "",
    };

    /// <summary>Queue submissions so far, each with one wait (uploads and Write add theirs; a step adds one, at Read).</summary>
    public int SubmitCount => _stream.SubmitCount;
    /// <summary>Submissions that replayed a command buffer recorded for an earlier step of the same shape.</summary>
    public int ReplayCount => _stream.ReplayCount;
    /// <summary>Commands in the last submission, and the barriers between them.</summary>
    internal (int Commands, int Barriers) LastSubmission => _stream.LastSubmission;
    /// <summary>The host's time per one-token step outside the device waits (bench prints it).</summary>
    public StepHostTime HostTime => _stream.HostTime;
    /// <summary>Whether the ternary products run on VK_KHR_shader_integer_dot_product.</summary>
    public bool UsesIntegerDotProduct => _context.IntegerDotProduct;
    /// <summary>Whether the workgroup reductions run on subgroup arithmetic (else the shared-memory tree).</summary>
    public bool UsesSubgroupReductions => _context.SubgroupArithmetic;
    /// <summary>The per-binding limit in force (the device's maxStorageBufferRange, or the lower test override).</summary>
    public long MaxBindingBytes => _context.MaxBindingBytes;

    // ---- weights and buffers ----

    public DeviceWeight UploadTernary(GgufFile file, GgufTensorInfo tensor)
    {
        var (rows, cols) = Shape(tensor);
        return UploadTernary(tensor.Name, tensor.Type, file.GetTensorBytes(tensor), rows, cols);
    }

    /// <summary>A ternary matrix from its encoded bytes. Rows of any length pack (I2_S encodes the tensor as one run), so
    /// tests can reach widths no GGUF holds, e.g. cols % 16 ≠ 0.</summary>
    internal DeviceWeight UploadTernary(string name, GgmlType type, ReadOnlySpan<byte> encoded, int rows, int cols)
    {
        if (rows > MaxGroupsPerDimension)
            throw new ArgumentException($"{name}: ternary matrices of more than {MaxGroupsPerDimension} rows are not supported", nameof(rows));
        var packed = TernaryPacking.Pack(type, encoded, rows, cols);
        var codes = DeviceCopy(MemoryMarshal.AsBytes(packed.Codes.AsSpan()));
        var scales = DeviceCopy(MemoryMarshal.AsBytes(packed.RowBlockScales.AsSpan()));
        return new VulkanTernaryWeight
        {
            Name = name, Rows = rows, Cols = cols, ByteSize = codes.Size + scales.Size,
            Codes = codes, BlockScales = scales, RowWords = packed.RowWords, BlockWords = packed.BlockWords, BlocksPerRow = packed.BlocksPerRow,
        };
    }

    public DeviceWeight UploadDense(GgufFile file, GgufTensorInfo tensor) =>
        // f16 stays f16 (two halves per uint in the shaders); other types are dequantized to f32, which is exact.
        Upload(file, tensor, keepHalf: tensor.Type == GgmlType.F16 && tensor.Columns % 2 == 0);

    // Norm weights are always f32: rms_norm.comp reads floats.
    public DeviceWeight UploadVector(GgufFile file, GgufTensorInfo tensor) => Upload(file, tensor, keepHalf: false);

    VulkanDenseWeight Upload(GgufFile file, GgufTensorInfo tensor, bool keepHalf)
    {
        var (rows, cols) = Shape(tensor);
        GpuBuffer values;
        if (keepHalf)
            values = DeviceCopy(file.GetTensorBytes(tensor));
        else
        {
            var floats = new float[tensor.ElementCount];
            Dequantize.ToFloat(tensor.Type, file.GetTensorBytes(tensor), floats);
            values = DeviceCopy(MemoryMarshal.AsBytes(floats.AsSpan()));
        }
        var chunks = RowRange.Split(rows, (long)cols * (keepHalf ? 2 : 4), _context.MaxBindingBytes, _context.OffsetAlignment);
        return new VulkanDenseWeight { Name = tensor.Name, Rows = rows, Cols = cols, ByteSize = values.Size, Values = values, IsHalf = keepHalf, Chunks = chunks };
    }

    public DeviceBuffer AllocateActivations(int rows, int cols)
    {
        RequirePositive(rows, cols);
        return new VulkanActivations { Rows = rows, Cols = cols, Values = new GpuBuffer(_context, (long)rows * cols * 4, hostVisible: false) };
    }

    public DeviceBuffer AllocateQuantized(int rows, int cols)
    {
        RequirePositive(rows, cols);
        return new VulkanQuantized
        {
            Rows = rows, Cols = cols,
            Values = new GpuBuffer(_context, (long)rows * VulkanQuantized.RowWordsFor(cols) * 4, hostVisible: false),
            Scales = new GpuBuffer(_context, rows * 4L, hostVisible: false),
        };
    }

    /// <summary>f16 by default, as llama.cpp (two halves per uint: kvHeads × headDim is even, as RoPE needs an even head size); f32 on request.</summary>
    public IReadOnlyList<KvCacheType> KvCacheTypes => [KvCacheType.F16, KvCacheType.F32];

    public KvCache AllocateKvCache(int layers, int sequences, int contextLength, int keyValueHeads, int headDim, KvCacheType type)
    {
        if (type is not (KvCacheType.F32 or KvCacheType.F16)) throw new NotSupportedException($"the vulkan backend has no {type} KV cache");
        RequirePositive(layers, contextLength);
        RequirePositive(sequences, keyValueHeads);
        RequirePositive(keyValueHeads, headDim);
        if (type == KvCacheType.F16 && keyValueHeads * headDim % 2 != 0)
            throw new NotSupportedException($"the vulkan backend's f16 cache packs values in pairs: kv heads × head size ({keyValueHeads}×{headDim}) must be even (use --cache-type f32)");
        // One binding holds a layer: every sequence's positions, since a step's tokens may read any slot.
        long bytes = (long)sequences * contextLength * keyValueHeads * headDim * type.ElementBytes();
        if (bytes > _context.MaxBindingBytes)
            throw new ArgumentException($"a KV cache layer of {bytes:N0} bytes exceeds the device's binding limit of {_context.MaxBindingBytes:N0} bytes: " +
                                        (sequences == 1 ? "use a shorter context" : $"use a shorter context or fewer than {sequences} sequences"), nameof(contextLength));
        return new VulkanKvCache
        {
            Type = type, Layers = layers, Sequences = sequences, ContextLength = contextLength, KeyValueHeads = keyValueHeads, HeadDim = headDim,
            Keys = Enumerable.Range(0, layers).Select(_ => new GpuBuffer(_context, bytes, hostVisible: false)).ToArray(),
            Values = Enumerable.Range(0, layers).Select(_ => new GpuBuffer(_context, bytes, hostVisible: false)).ToArray(),
        };
    }

    // ---- operations (queued; nothing waits until Read) ----

    /// <summary>Queues the copy of the step's tokens and each token's (sequence, position) into device memory: the
    /// shaders read them from there, not from the command buffer, so a recorded step replays whatever the positions.</summary>
    public void BeginStep(StepTokens step)
    {
        int n = step.Count;
        _stream.HostTime.BeginStep(n, _stream.SubmitCount);
        Span<uint> places = n <= 512 ? stackalloc uint[2 * n] : new uint[2 * n];
        int lastSequence = 0, longestLength = 0;
        for (int t = 0; t < n; t++)
        {
            if (step.Sequences[t] < 0) throw new ArgumentOutOfRangeException(nameof(step), step.Sequences[t], $"token {t}: sequences start at 0");
            if (step.Positions[t] < 0) throw new ArgumentOutOfRangeException(nameof(step), step.Positions[t], $"token {t}: positions start at 0");
            places[2 * t] = (uint)step.Sequences[t];
            places[2 * t + 1] = (uint)step.Positions[t];
            lastSequence = Math.Max(lastSequence, step.Sequences[t]);
            longestLength = Math.Max(longestLength, step.Positions[t] + 1);
        }
        _step.Stage(_stream, step.Tokens, places);
        _tokenCount = n;
        _topListRead = null;
        (_lastSequence, _longestLength) = (lastSequence, longestLength);
    }

    /// <summary>A step of sequence 0 at positions startPosition, startPosition + 1, ...</summary>
    public void BeginStep(ReadOnlySpan<int> tokens, int startPosition) => BeginStep(StepTokens.Consecutive(tokens, startPosition));

    // ---- whole steps (nothing is queued per operation on a replay) ----

    public bool TryReplay(StepShape shape)
    {
        if (!_stream.CanRepeat) return false;   // BeginStep replaced a buffer the recording may bind
        var recording = _recordings.Find(shape, _context.BufferGeneration, _longestLength, _lastSequence);
        if (recording is null) return false;
        _stream.QueueSegment(recording.Segment);
        _topListRead = recording.Read;
        return true;
    }

    public void BeginRecord(StepShape shape) => _recordings.Begin(shape, _stream);

    public void EndRecord() => _recordings.End(_stream, _context.BufferGeneration, _topListRead);

    void RequireStep(int tokenCount, string operation)
    {
        if (tokenCount > _tokenCount) throw new ArgumentException($"BeginStep gave {_tokenCount} tokens, {operation} asked for {tokenCount}", nameof(tokenCount));
    }

    public void Embed(DeviceWeight table, DeviceBuffer output, int tokenCount)
    {
        var w = (VulkanDenseWeight)table;
        var y = Activations(output, tokenCount, w.Cols);
        RequireStep(tokenCount, nameof(Embed));
        foreach (var chunk in w.Chunks)
            _stream.Dispatch(_kernels.Embed, [_step.Tokens, w.Window(chunk), y.RowsWindow(0, tokenCount)],
                [(uint)w.Cols, (uint)tokenCount, (uint)chunk.First, (uint)chunk.Count, w.IsHalf ? 1u : 0u],
                GroupsFor(w.Cols), (uint)tokenCount);
    }

    public void RmsNorm(DeviceBuffer x, DeviceWeight weight, DeviceBuffer y, int tokenCount, float epsilon)
    {
        var w = (VulkanDenseWeight)weight;
        var input = Activations(x, tokenCount, w.Cols);
        var output = Activations(y, tokenCount, w.Cols);
        if (w.IsHalf || w.Rows != 1) throw new ArgumentException($"{w.Name} is not a norm vector (UploadVector)", nameof(weight));
        _stream.Dispatch(_kernels.RmsNorm, [input.RowsWindow(0, tokenCount), w.Window(w.Chunks[0]), output.RowsWindow(0, tokenCount)],
            [(uint)w.Cols, BitConverter.SingleToUInt32Bits(epsilon)], TokenGroups(tokenCount));
    }

    public void QuantizeActivations(DeviceBuffer x, DeviceBuffer quantized, int tokenCount)
    {
        var input = Activations(x, tokenCount, x.Cols);
        var q = Quantized(quantized, tokenCount, x.Cols);
        _stream.Dispatch(_kernels.Quantize, [input.RowsWindow(0, tokenCount), QuantizedValues(q, tokenCount), q.Scales.Window(0, tokenCount * 4L)],
            [(uint)q.Cols, (uint)q.RowWords], TokenGroups(tokenCount));
    }

    public void TernaryMatMul(DeviceWeight weight, DeviceBuffer quantized, DeviceBuffer y, int tokenCount)
    {
        var w = (VulkanTernaryWeight)weight;
        var q = Quantized(quantized, tokenCount, w.Cols);
        var output = Activations(y, tokenCount, w.Rows);
        BufferWindow[] bindings =
        [
            w.Codes.Window(0, w.Codes.Size), w.BlockScales.Window(0, w.BlockScales.Size),
            QuantizedValues(q, tokenCount), q.Scales.Window(0, tokenCount * 4L), output.RowsWindow(0, tokenCount),
        ];
        if (tokenCount == 1)
        {
            _stream.Dispatch(_kernels.TernaryMatVec, bindings, [(uint)w.Rows, (uint)w.RowWords, (uint)w.BlockWords, (uint)w.BlocksPerRow],
                CeilDiv(w.Rows, MatVecRowsPerGroup));
            return;
        }
        _stream.Dispatch(_kernels.TernaryMatMul, bindings,
            [(uint)w.Rows, (uint)w.RowWords, (uint)w.BlockWords, (uint)w.BlocksPerRow, (uint)q.RowWords, (uint)tokenCount],
            CeilDiv(w.Rows, MatVecRowsPerGroup), CeilDiv(tokenCount, TernaryTokenTile));
    }

    public void DenseMatMul(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int tokenCount)
    {
        var w = (VulkanDenseWeight)weight;
        var input = Activations(x, tokenCount, w.Cols);
        var output = Activations(y, tokenCount, w.Rows);
        if (KeepsInt8(w))
        {
            Int8MatMul(w, input, output, tokenCount);
            return;
        }
        // All-token logits can exceed one binding too, so the tokens are split into groups that fit as well.
        var tokenGroups = RowRange.Split(tokenCount, [input.RowBytes, output.RowBytes], _context.MaxBindingBytes, _context.OffsetAlignment);
        foreach (var tokens in tokenGroups)
            foreach (var chunk in w.Chunks)
            {
                uint groupsX = (uint)Math.Min(chunk.Count, MaxGroupsPerDimension);
                _stream.Dispatch(_kernels.DenseMatMul, [w.Window(chunk), input.RowsWindow(tokens.First, tokens.Count), output.RowsWindow(tokens.First, tokens.Count)],
                    [(uint)chunk.Count, (uint)w.Cols, (uint)chunk.First, (uint)w.Rows, (uint)tokens.Count, w.IsHalf ? 1u : 0u],
                    groupsX, CeilDiv(chunk.Count, (int)groupsX), CeilDiv(tokens.Count, DenseTokenTile));
            }
    }

    public void Rope(DeviceBuffer x, int tokenCount, int heads, int headDim, int ropeDims, float freqBase, RopeStyle style)
    {
        var buffer = Activations(x, tokenCount, heads * headDim);
        if (ropeDims <= 0 || ropeDims % 2 != 0 || ropeDims > headDim)
            throw new ArgumentOutOfRangeException(nameof(ropeDims), ropeDims, $"RoPE dimensions must be even and at most the head size {headDim}");
        RequireStep(tokenCount, nameof(Rope));
        if (!_ropeTables.TryGetValue((ropeDims, freqBase), out var table))
            _ropeTables[(ropeDims, freqBase)] = table = new RopeTable(_context, ropeDims, freqBase);
        var rotations = table.Window(_stream, _longestLength);
        _recordings.Covers(table.Capacity, int.MaxValue);
        _stream.Dispatch(_kernels.Rope, [buffer.RowsWindow(0, tokenCount), rotations, _step.Places],
            [(uint)tokenCount, (uint)heads, (uint)headDim, (uint)ropeDims, style == RopeStyle.Neox ? 1u : 0u],
            GroupsFor(heads * ropeDims / 2), (uint)tokenCount);
    }

    public void Attention(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, KvCache cache, int layer, DeviceBuffer output,
                          int tokenCount, int heads, int keyValueHeads, int headDim)
    {
        var c = (VulkanKvCache)cache;
        if ((uint)layer >= (uint)c.Layers) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"the cache has {c.Layers} layers");
        if (keyValueHeads != c.KeyValueHeads || headDim != c.HeadDim || heads % keyValueHeads != 0)
            throw new ArgumentException($"heads {heads}/{keyValueHeads}×{headDim} do not match the cache ({c.KeyValueHeads}×{c.HeadDim})", nameof(heads));
        if (headDim > MaxHeadDim) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, $"head size above {MaxHeadDim} is not supported");
        RequireStep(tokenCount, nameof(Attention));
        if (_longestLength > c.ContextLength)
            throw new ArgumentException($"positions up to {_longestLength} exceed the cache's {c.ContextLength}", nameof(tokenCount));
        if (_lastSequence >= c.Sequences)
            throw new ArgumentOutOfRangeException(nameof(cache), _lastSequence, $"the cache holds {c.Sequences} sequences");
        _recordings.Covers(c.ContextLength, c.Sequences);
        var queries = Activations(q, tokenCount, heads * headDim);
        var keys = Activations(k, tokenCount, c.Width);
        var values = Activations(v, tokenCount, c.Width);
        var result = Activations(output, tokenCount, heads * headDim);

        // Each token's sequence and position come from a buffer, not the command, so this step's recording replays at
        // the next positions.
        var step = _step.Places;
        int count = tokenCount * c.Width;
        uint isHalf = c.Type == KvCacheType.F16 ? 1u : 0u;
        var (groupsX, groupsY) = LinearGroups(isHalf != 0 ? count / 2 : count); // an f16 invocation stores a pair
        _stream.Dispatch(_kernels.KvStore, [keys.RowsWindow(0, tokenCount), c.Keys[layer].Window(0, c.Keys[layer].Size), step],
            [(uint)count, (uint)c.Width, isHalf, (uint)c.ContextLength], groupsX, groupsY);
        _stream.Dispatch(_kernels.KvStore, [values.RowsWindow(0, tokenCount), c.Values[layer].Window(0, c.Values[layer].Size), step],
            [(uint)count, (uint)c.Width, isHalf, (uint)c.ContextLength], groupsX, groupsY);
        // A kv head's query heads share one workgroup, which stages each tile of keys and values once for all of them;
        // a token's positions are split over several workgroups (few tokens: many splits) and the splits combined after.
        int queryHeads = QueryHeadsPerGroup(heads / keyValueHeads);
        int splits = AttentionSplits(tokenCount, result.RowBytes);
        var (partial, stats) = _attentionScratch.Windows(_stream, (long)tokenCount * heads * splits,
                                                            (long)heads * AttentionWorkgroupsPerToken, headDim);
        _stream.Dispatch(_kernels.Attention,
            [queries.RowsWindow(0, tokenCount), c.Keys[layer].Window(0, c.Keys[layer].Size), c.Values[layer].Window(0, c.Values[layer].Size),
             partial, step, stats],
            [(uint)heads, (uint)keyValueHeads, (uint)headDim, isHalf, (uint)c.ContextLength, (uint)splits, (uint)queryHeads],
            (uint)(heads / queryHeads), TokenGroups(tokenCount), (uint)splits);
        _stream.Dispatch(_kernels.AttentionCombine, [partial, stats, result.RowsWindow(0, tokenCount)],
            [(uint)heads, (uint)headDim, (uint)splits], (uint)heads, TokenGroups(tokenCount));
    }

    // The largest divisor of a kv head's query heads that one workgroup holds.
    static int QueryHeadsPerGroup(int perKvHead)
    {
        for (int g = Math.Min(perKvHead, MaxQueryHeadsPerGroup); g > 1; g--)
            if (perKvHead % g == 0) return g;
        return 1;
    }

    // Splits per token: many for a decode step (its few workgroups would leave a GPU idle), one for a long prompt, and
    // never so many that the partial results of a step outgrow one binding.
    int AttentionSplits(int tokenCount, long outputBytes)
    {
        int splits = Math.Max(1, AttentionWorkgroupsPerToken / tokenCount);
        while (splits > 1 && outputBytes * tokenCount * splits > _context.MaxBindingBytes) splits /= 2;
        return splits;
    }

    public void GateActivation(DeviceBuffer gate, DeviceBuffer up, int tokenCount, GateActivation activation)
    {
        var g = Activations(gate, tokenCount, gate.Cols);
        var u = Activations(up, tokenCount, gate.Cols);
        int count = tokenCount * gate.Cols;
        var (x, y) = LinearGroups(count);
        _stream.Dispatch(_kernels.Gate, [g.RowsWindow(0, tokenCount), u.RowsWindow(0, tokenCount)],
            [(uint)count, activation == Model.Architectures.GateActivation.ReluSquared ? 1u : 0u], x, y);
    }

    public void Add(DeviceBuffer x, DeviceBuffer y, int tokenCount)
    {
        var a = Activations(x, tokenCount, x.Cols);
        var b = Activations(y, tokenCount, x.Cols);
        int count = tokenCount * x.Cols;
        var (groupsX, groupsY) = LinearGroups(count);
        _stream.Dispatch(_kernels.Add, [a.RowsWindow(0, tokenCount), b.RowsWindow(0, tokenCount)], [(uint)count], groupsX, groupsY);
    }

    public void CopyRow(DeviceBuffer source, int sourceRow, DeviceBuffer destination, int destinationRow)
    {
        var from = Activations(source, sourceRow + 1, source.Cols);
        var to = Activations(destination, destinationRow + 1, source.Cols);
        // The rows are push constants, not window offsets: row starts need not meet the descriptor offset alignment.
        _stream.Dispatch(_kernels.CopyRow, [from.RowsWindow(0, sourceRow + 1), to.RowsWindow(0, destinationRow + 1)],
                         [(uint)from.Cols, (uint)sourceRow, (uint)destinationRow], GroupsFor(from.Cols));
    }

    /// <summary>Bytes per second one shader streams from device memory (the median of 5 passes over up to 256 MiB,
    /// within one binding), timed on the host around submit and wait.</summary>
    public double MeasureReadBandwidth()
    {
        const int PerGroup = 4096, Passes = 5;   // uvec4s per workgroup
        long bytes = Math.Min(256L << 20, _context.MaxBindingBytes) / 16 * 16;
        int count = (int)(bytes / 16);
        int groups = (count + PerGroup - 1) / PerGroup;
        if (groups > MaxGroupsPerDimension) { groups = MaxGroupsPerDimension; count = groups * PerGroup; bytes = count * 16L; }
        using var source = new GpuBuffer(_context, bytes, hostVisible: false);
        using var partial = new GpuBuffer(_context, groups * 4L, hostVisible: false);
        _stream.Finish();   // queued work is not part of the measurement
        var times = new List<double>();
        for (int pass = 0; pass <= Passes; pass++)   // pass 0 warms up
        {
            _stream.Dispatch(_kernels.ReadBandwidth, [source.Window(0, bytes), partial.Window(0, groups * 4L)], [(uint)count, (uint)PerGroup], (uint)groups);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            _stream.Finish();
            if (pass > 0) times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        return bytes / times[times.Count / 2];
    }

    // ---- host transfers (these wait) ----

    public void Write(DeviceBuffer buffer, int rows, ReadOnlySpan<float> values)
    {
        var b = Activations(buffer, rows, buffer.Cols);
        if (values.Length < rows * b.Cols) throw new ArgumentException($"{rows} rows need {rows * b.Cols} values, got {values.Length}", nameof(values));
        _stream.Upload(b.Values, 0, MemoryMarshal.AsBytes(values[..(rows * b.Cols)]));
    }

    public void Read(DeviceBuffer buffer, int rows, Span<float> destination)
    {
        var b = Activations(buffer, rows, buffer.Cols);
        if (destination.Length < rows * b.Cols) throw new ArgumentException($"{rows} rows need {rows * b.Cols} floats, got {destination.Length}", nameof(destination));
        bool listed = _topListRead is { } top && top.Logits == b && top.Rows == rows && TryReadTopLists(top, destination);
        if (!listed) _stream.Download(b.Values, 0, MemoryMarshal.AsBytes(destination[..(rows * b.Cols)]));
        _stream.HostTime.EndRead(_stream.SubmitCount);
    }

    public void ReadQuantized(DeviceBuffer quantized, int rows, Span<sbyte> values, Span<float> scales)
    {
        var q = Quantized(quantized, rows, quantized.Cols);
        if (values.Length < rows * q.Cols || scales.Length < rows)
            throw new ArgumentException($"{rows} rows need {rows * q.Cols} values and {rows} scales", nameof(values));
        var packed = new sbyte[rows * q.RowWords * 4];   // rows padded to whole weight words
        _stream.Download(q.Values, 0, MemoryMarshal.AsBytes(packed.AsSpan()));
        _stream.Download(q.Scales, 0, MemoryMarshal.AsBytes(scales[..rows]));
        for (int t = 0; t < rows; t++) packed.AsSpan(t * q.RowWords * 4, q.Cols).CopyTo(values.Slice(t * q.Cols, q.Cols));
    }

    public void Dispose()
    {
        _stream.Dispose();
        foreach (var table in _ropeTables.Values) table.Dispose();
        _step.Dispose();
        _attentionScratch.Dispose();
        foreach (var scratch in new[] { _int8InputCodes, _int8InputScales, _screenSlack, _screenResults }) scratch.Dispose();
        _topLists?.Dispose();
        _kernels.Dispose();
        _context.Dispose();
    }

    // ---- helpers ----

    GpuBuffer DeviceCopy(ReadOnlySpan<byte> bytes)
    {
        var buffer = new GpuBuffer(_context, Math.Max(4, (bytes.Length + 3) / 4 * 4), hostVisible: false);
        _stream.Upload(buffer, 0, bytes);
        return buffer;
    }

    static VulkanActivations Activations(DeviceBuffer buffer, int rows, int cols, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(buffer))] string name = "")
    {
        if (buffer is not VulkanActivations activations) throw new ArgumentException("not a float buffer of this Vulkan backend", name);
        if (rows <= 0 || rows > buffer.Rows) throw new ArgumentOutOfRangeException(name, rows, $"the buffer holds {buffer.Rows} rows");
        if (cols != buffer.Cols) throw new ArgumentException($"the buffer has {buffer.Cols} columns, the operation needs {cols}", name);
        return activations;
    }

    static VulkanQuantized Quantized(DeviceBuffer buffer, int rows, int cols, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(buffer))] string name = "")
    {
        if (buffer is not VulkanQuantized quantized) throw new ArgumentException("not a quantized buffer of this Vulkan backend", name);
        if (rows <= 0 || rows > buffer.Rows) throw new ArgumentOutOfRangeException(name, rows, $"the buffer holds {buffer.Rows} rows");
        if (cols != buffer.Cols) throw new ArgumentException($"the buffer has {buffer.Cols} columns, the operation needs {cols}", name);
        return quantized;
    }

    static BufferWindow QuantizedValues(VulkanQuantized q, int rows) => q.Values.Window(0, rows * q.RowWords * 4L);

    static (int Rows, int Cols) Shape(GgufTensorInfo tensor)
    {
        if (tensor.Rows > int.MaxValue || tensor.Columns > int.MaxValue || tensor.Rows <= 0 || tensor.Columns <= 0)
            throw new ArgumentException($"{tensor.Name}: shape {tensor.Rows}×{tensor.Columns} is not supported", nameof(tensor));
        return ((int)tensor.Rows, (int)tensor.Columns);
    }

    static void RequirePositive(int a, int b, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(a))] string name = "")
    {
        if (a <= 0 || b <= 0) throw new ArgumentOutOfRangeException(name, $"sizes must be positive (got {a} and {b})");
    }

    static uint TokenGroups(int tokenCount) => tokenCount <= MaxGroupsPerDimension
        ? (uint)tokenCount
        : throw new ArgumentOutOfRangeException(nameof(tokenCount), tokenCount, $"at most {MaxGroupsPerDimension} tokens per step");

    static uint GroupsFor(int count) => CeilDiv(count, GroupSize);

    static uint CeilDiv(int count, int divisor) => (uint)((count + divisor - 1) / divisor);

    // Element-wise shaders index (group.y · groups.x + group.x) · 64 + lane, so any count fits the 65535-group limit.
    static (uint X, uint Y) LinearGroups(int count)
    {
        int groups = (count + GroupSize - 1) / GroupSize;
        int x = Math.Min(groups, MaxGroupsPerDimension);
        return ((uint)x, CeilDiv(groups, x));
    }
}
