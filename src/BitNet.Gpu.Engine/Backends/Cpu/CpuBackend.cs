using BitNet.Gpu.Engine.Benchmarking;
using BitNet.Gpu.Kernels.Cpu;
using BitNet.Gpu.Model;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Engine.Backends.Cpu;

/// <summary>
/// The CPU backend: the ternary SIMD kernels of BitNet.Gpu.Kernels.Cpu (AVX-512BW, AVX2 or Vector128, chosen at
/// run time) on weights kept packed at 2 bits, int8 activations quantized as bitnet.cpp does, integer
/// accumulation, multithreaded over rows. Every operation runs when called, so Read has nothing to wait for.
/// </summary>
public sealed class CpuBackend : IComputeBackend, IBandwidthProbe
{
    readonly KernelThreadPool _pool;
    HostMemoryBandwidth? _bandwidth; // made by the first MeasureReadBandwidth (a benchmark), 512 MiB
    int[] _tokens = [], _sequences = [], _positions = [];
    readonly RopeAngleTable _ropeAngles = new(); // this step's cos/sin, shared by every layer's q and k

    readonly string? _weightCacheFolder;
    PackedWeightCache? _weightCache;
    GgufFile? _weightCacheModel;

    /// <param name="threads">Worker threads; 0 = one per core.</param>
    /// <param name="weightCacheFolder">Where repacked I2_S weights are cached between loads (<see cref="PackedWeightCache"/>); null: no cache.</param>
    public CpuBackend(int threads = 0, string? weightCacheFolder = null)
    {
        _weightCacheFolder = weightCacheFolder;
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "--threads must be 0 (one per core) or more");
        Threads = threads == 0 ? Environment.ProcessorCount : threads;
        _pool = new KernelThreadPool(Threads);
    }

    public int Threads { get; }
    public string Name => "cpu";
    public string DeviceDescription => $"{Environment.ProcessorCount}-core {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, {SimdSupport.Best} kernels, {Threads} threads";

    public DeviceWeight UploadTernary(GgufFile file, GgufTensorInfo tensor)
    {
        if (tensor.Type == GgmlType.I2_S) return UploadI2S(file, tensor);
        var (values, scales, blockSize) = TernaryValues.Unpack(tensor.Type, file.GetTensorBytes(tensor), tensor.ElementCount);
        int rows = (int)tensor.Rows, cols = (int)tensor.Columns;
        var matrix = TernaryMatrix.FromTernary(values, rows, cols, scales, scaleBlockCols: blockSize >= values.Length ? cols : blockSize);
        return new CpuWeight { Name = tensor.Name, Rows = rows, Cols = cols, ByteSize = matrix.PackedBytes, Ternary = matrix };
    }

    /// <summary>
    /// I2_S codes from the weight cache when it holds this model (checked against the file's codes), else repacked
    /// straight from the file's bytes (no per-value unpack) and saved to the cache; code 3 is the same error the unpack gives.
    /// </summary>
    DeviceWeight UploadI2S(GgufFile file, GgufTensorInfo tensor)
    {
        var bytes = file.GetTensorBytes(tensor);
        int rows = (int)tensor.Rows, cols = (int)tensor.Columns;
        int codeBytes = (int)(tensor.ElementCount / 4);
        if (bytes.Length != TensorSizes.ByteSize(tensor.Type, tensor.ElementCount))
            throw new ArgumentException($"Tensor {tensor.Name}: expected {TensorSizes.ByteSize(tensor.Type, tensor.ElementCount)} bytes of I2_S, got {bytes.Length}.", nameof(tensor));
        float scale = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes[codeBytes..]);
        var cache = WeightCacheFor(file);
        var matrix = cache?.TryRead(tensor, bytes[..codeBytes], scale);
        if (matrix is null)
        {
            matrix = TernaryMatrix.FromI2S(bytes[..codeBytes], rows, cols, scale, out long invalidByte);
            if (matrix is null) throw new ModelFormatException(null, $"Tensor {tensor.Name}: I2_S data holds the invalid 2-bit code 3", invalidByte);
            cache?.Save(tensor, matrix);
        }
        return new CpuWeight { Name = tensor.Name, Rows = rows, Cols = cols, ByteSize = matrix.PackedBytes, Ternary = matrix };
    }

    /// <summary>The weight cache of the model being uploaded; null when the cache is off or cannot be opened.</summary>
    PackedWeightCache? WeightCacheFor(GgufFile file)
    {
        if (_weightCacheFolder is null) return null;
        if (ReferenceEquals(_weightCacheModel, file)) return _weightCache;
        _weightCache?.Dispose();
        _weightCacheModel = file;
        try
        {
            _weightCache = PackedWeightCache.Open(file, _weightCacheFolder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _weightCache = null; // no cache: the weights are repacked, as without one
        }
        return _weightCache;
    }

    public unsafe DeviceWeight UploadDense(GgufFile file, GgufTensorInfo tensor)
    {
        int rows = (int)tensor.Rows, cols = (int)tensor.Columns;
        if (tensor.Type == GgmlType.F16)
        {
            // Read in place from the mapped file: its pages are already in memory, while a copy costs the kernel a zeroed
            // page for every 4 KiB (most of a load's time, benchmarks/README.md); a full product copies it on first use.
            return new CpuWeight
            {
                Name = tensor.Name, Rows = rows, Cols = cols, ByteSize = tensor.ByteSize,
                F16 = (Half*)file.GetTensorPointer(tensor), F16Mapping = file.KeepMapped(),
            };
        }
        if (UploadQuantized(file, tensor, rows, cols) is { } matrix)
            return new CpuWeight { Name = tensor.Name, Rows = rows, Cols = cols, ByteSize = matrix.ByteSize, Quantized = matrix };
        return UploadFloats(file, tensor);
    }

    /// <summary>A Q6_K, Q4_K or Q8_0 tensor in a compact layout the kernels read directly; null for other types.</summary>
    static unsafe IQuantizedMatrix? UploadQuantized(GgufFile file, GgufTensorInfo tensor, int rows, int cols)
    {
        if (tensor.Type is not (GgmlType.Q6_K or GgmlType.Q4_K or GgmlType.Q8_0)) return null;
        byte* source = file.GetTensorPointer(tensor);
        int bytes = checked((int)tensor.ByteSize);
        var blocks = new ReadOnlySpan<byte>(source, bytes);
        return tensor.Type switch
        {
            // Read as is (0.82 bytes a weight): bitnet.cpp users quantize the embedding to Q6_K for speed.
            GgmlType.Q6_K => Q6KMatrix.FromBlocks(blocks, rows, cols),
            // Read as is (0.56 bytes a weight): llama.cpp's TQ1_0/TQ2_0 files carry a Q4_K token embedding.
            GgmlType.Q4_K => Q4KMatrix.FromBlocks(blocks, rows, cols),
            // int8 codes and a float scale per block, exactly the dequantized values: a byte a weight instead of a float.
            _ => Int8GroupMatrix.Create(rows, cols, Q8_0.ValuesPerGroup, (codes, scales) => Q8_0.ToCodes(new ReadOnlySpan<byte>(source, bytes), codes, scales)),
        };
    }

    public DeviceWeight UploadVector(GgufFile file, GgufTensorInfo tensor) => UploadFloats(file, tensor);

    static CpuWeight UploadFloats(GgufFile file, GgufTensorInfo tensor)
    {
        var floats = new float[tensor.ElementCount];
        Dequantize.ToFloat(tensor.Type, file.GetTensorBytes(tensor), floats);
        return new CpuWeight { Name = tensor.Name, Rows = (int)tensor.Rows, Cols = (int)tensor.Columns, ByteSize = floats.Length * 4L, Floats = floats };
    }

    public DeviceBuffer AllocateActivations(int rows, int cols) => new CpuBuffer(rows, cols, quantized: false);
    public DeviceBuffer AllocateQuantized(int rows, int cols) => new CpuBuffer(rows, cols, quantized: true);
    /// <summary>f16 first, as llama.cpp: attention reads half the bytes, and converting them costs less than it saves.</summary>
    public IReadOnlyList<KvCacheType> KvCacheTypes => [KvCacheType.F16, KvCacheType.F32];

    public KvCache AllocateKvCache(int layers, int sequences, int contextLength, int keyValueHeads, int headDim, KvCacheType type) =>
        new CpuKvCache(layers, sequences, contextLength, keyValueHeads, headDim, type);

    public void BeginStep(StepTokens step)
    {
        _tokens = step.Tokens.ToArray();
        _sequences = step.Sequences.ToArray();
        _positions = step.Positions.ToArray();
        _runs = step.Runs();
    }

    List<(int First, int Count)> _runs = []; // the step's runs of consecutive positions of one sequence

    public void Embed(DeviceWeight table, DeviceBuffer output, int tokenCount)
    {
        var w = (CpuWeight)table;
        var y = (CpuBuffer)output;
        for (int t = 0; t < tokenCount; t++)
        {
            int token = _tokens[t];
            if (w.Floats is not null) w.Floats.AsSpan(token * w.Cols, w.Cols).CopyTo(y.Row(t));
            else if (w.Quantized is not null) w.Quantized.CopyRow(token, y.Row(t));
            else HalfConversion.ToSingle(w.F16Span.Slice(token * w.Cols, w.Cols), y.Row(t));
        }
    }

    public void RmsNorm(DeviceBuffer x, DeviceWeight weight, DeviceBuffer y, int tokenCount, float epsilon)
    {
        var w = ((CpuWeight)weight).Floats!;
        var input = (CpuBuffer)x;
        var output = (CpuBuffer)y;
        for (int t = 0; t < tokenCount; t++) Kernels.Cpu.RmsNorm.Apply(input.Row(t), w, epsilon, output.Row(t));
    }

    public void QuantizeActivations(DeviceBuffer x, DeviceBuffer quantized, int tokenCount)
    {
        var input = (CpuBuffer)x;
        var q = (CpuBuffer)quantized;
        int cols = input.Cols;
        ForEachToken(tokenCount, t => q.Scales[t] = ActivationQuantizer.Quantize(input.Row(t), q.Quantized.AsSpan(t * cols, cols)));
    }

    public void TernaryMatMul(DeviceWeight weight, DeviceBuffer quantized, DeviceBuffer y, int tokenCount)
    {
        var w = ((CpuWeight)weight).Ternary!;
        var q = (CpuBuffer)quantized;
        var output = ((CpuBuffer)y).FirstRows(tokenCount);
        if (tokenCount == 1)
            TernaryMatVec.Multiply(w, q.Quantized.AsSpan(0, w.Cols), q.Scales[0], output, _pool);
        else
            Kernels.Cpu.TernaryMatMul.Multiply(w, q.Quantized.AsSpan(0, tokenCount * w.Cols), q.Scales.AsSpan(0, tokenCount), output, _pool);
    }

    public void TernaryMatMuls(DeviceBuffer quantized, int tokenCount, ReadOnlySpan<(DeviceWeight Weight, DeviceBuffer Output)> products)
    {
        if (tokenCount != 1)
        {
            foreach (var (weight, output) in products) TernaryMatMul(weight, quantized, output, tokenCount);
            return;
        }
        // One token: a single pass over all the matrices (one wait per pass, the small ones shared out with the large).
        var q = (CpuBuffer)quantized;
        var matrices = new TernaryMatrix[products.Length];
        var outputs = new float[products.Length][];
        for (int i = 0; i < products.Length; i++)
        {
            matrices[i] = ((CpuWeight)products[i].Weight).Ternary!;
            outputs[i] = ((CpuBuffer)products[i].Output).Values;
        }
        TernaryMatVec.MultiplyMany(matrices, q.Quantized.AsSpan(0, q.Cols), q.Scales[0], outputs, _pool);
    }

    public void DenseMatMul(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int tokenCount)
    {
        var w = (CpuWeight)weight;
        var input = (CpuBuffer)x;
        var output = (CpuBuffer)y;
        if (w.Floats is not null)
        {
            for (int t = 0; t < tokenCount; t++)
                F32MatVec.Multiply(w.Floats, w.Rows, w.Cols, input.Values.AsMemory(t * w.Cols, w.Cols), output.Values.AsMemory(t * w.Rows, w.Rows), _pool);
        }
        else if (w.Quantized is not null)
        {
            // One pass over the matrix per token: only eval/perplexity ask for many tokens' logits at once.
            for (int t = 0; t < tokenCount; t++) w.Quantized.Multiply(input.Row(t), output.Row(t), _pool);
        }
        else if (tokenCount == 1)
            F16MatVec.Multiply(w.F16ForFullProduct(), w.Rows, w.Cols, input.Row(0), output.Row(0), _pool);
        else
            F16MatMul.Multiply(w.F16ForFullProduct(), w.Rows, w.Cols, input.FirstRows(tokenCount), tokenCount, output.FirstRows(tokenCount), _pool,
                w.F16HasSubnormals);
    }

    /// <summary>Q6_K and Q4_K output layers take their input rounded to int8 per 256 values, as llama.cpp's Q8_K.</summary>
    public bool RoundsDenseInput(GgmlType type) => type is GgmlType.Q6_K or GgmlType.Q4_K;

    public long DenseMatMulTop(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int topK, ReadOnlySpan<int> alwaysExact)
    {
        var w = (CpuWeight)weight;
        if (w.GetOrCreateScreen(_pool) is not { } screen)
        {
            DenseMatMul(weight, x, y, 1);
            LastExactRows = w.Rows;
            return w.ByteSize;
        }
        var product = screen.Multiply(w.F16Span, ((CpuBuffer)x).Row(0), topK, alwaysExact, ((CpuBuffer)y).Row(0), _pool);
        LastExactRows = product.ExactRows;
        return product.BytesRead;
    }

    public long DenseMatMulTopRows(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int tokenCount, ReadOnlySpan<int> topK,
                                   IReadOnlyList<ReadOnlyMemory<int>> alwaysExact)
    {
        var w = (CpuWeight)weight;
        if (w.GetOrCreateScreen(_pool) is not { } screen)
        {
            DenseMatMul(weight, x, y, tokenCount);
            LastExactRows = tokenCount * w.Rows;
            return w.ByteSize;
        }
        var product = screen.MultiplyBatch(w.F16Span, ((CpuBuffer)x).FirstRows(tokenCount), tokenCount, topK, alwaysExact,
                                           ((CpuBuffer)y).FirstRows(tokenCount), _pool);
        LastExactRows = product.ExactRows;
        return product.BytesRead;
    }

    /// <summary>Rows the last <see cref="DenseMatMulTop"/> or <see cref="DenseMatMulTopRows"/> computed from the f16 weights
    /// (summed over the rows of x; for tests).</summary>
    public int LastExactRows { get; private set; }

    public void Rope(DeviceBuffer x, int tokenCount, int heads, int headDim, int ropeDims, float freqBase, RopeStyle style)
    {
        var buffer = (CpuBuffer)x;
        var angles = _ropeAngles.For(_positions.AsSpan(0, tokenCount), ropeDims, freqBase);
        bool interleaved = style == RopeStyle.Interleaved;
        ForEachToken(tokenCount, t => Kernels.Cpu.Rope.Rotate(buffer.Row(t), headDim, angles.Cos(t), angles.Sin(t), interleaved));
    }

    public void Attention(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, KvCache cache, int layer, DeviceBuffer output,
                          int tokenCount, int heads, int keyValueHeads, int headDim)
    {
        var slots = (CpuKvCache)cache;
        var kv = slots.Cache;
        for (int t = 0; t < tokenCount; t++)
            kv.Store(layer, slots.FirstRow(_sequences[t]) + _positions[t], ((CpuBuffer)k).Row(t), ((CpuBuffer)v).Row(t));
        // Each run (one sequence's consecutive tokens) attends its own sequence's rows only.
        var queries = (CpuBuffer)q;
        var results = (CpuBuffer)output;
        int width = queries.Cols;
        foreach (var (first, runLength) in _runs)
        {
            if (first >= tokenCount) break;
            int count = Math.Min(runLength, tokenCount - first);
            int firstRow = slots.FirstRow(_sequences[first]), firstPosition = _positions[first];
            if (count == 1)
                Kernels.Cpu.Attention.Compute(queries.Row(first), kv, layer, firstPosition + 1, results.Row(first), _pool, firstRow);
            else
                Kernels.Cpu.Attention.ComputeBatch(queries.Values.AsSpan(first * width, count * width), kv, layer, firstPosition, count,
                                                   results.Values.AsSpan(first * width, count * width), _pool, firstRow);
        }
    }

    public void GateActivation(DeviceBuffer gate, DeviceBuffer up, int tokenCount, GateActivation activation)
    {
        var g = (CpuBuffer)gate;
        var u = (CpuBuffer)up;
        bool reluSquared = activation == Model.Architectures.GateActivation.ReluSquared;
        ForEachToken(tokenCount, t =>
        {
            if (reluSquared) ElementWise.ReluSquaredGate(g.Row(t), u.Row(t), g.Row(t));
            else ElementWise.SiluGate(g.Row(t), u.Row(t), g.Row(t));
        });
    }

    public void Add(DeviceBuffer x, DeviceBuffer y, int tokenCount)
    {
        var a = (CpuBuffer)x;
        var b = (CpuBuffer)y;
        ForEachToken(tokenCount, t => ElementWise.Add(a.Row(t), b.Row(t), a.Row(t)));
    }

    public void CopyRow(DeviceBuffer source, int sourceRow, DeviceBuffer destination, int destinationRow) =>
        ((CpuBuffer)source).Row(sourceRow).CopyTo(((CpuBuffer)destination).Row(destinationRow));

    public void Write(DeviceBuffer buffer, int rows, ReadOnlySpan<float> values) =>
        values[..(rows * buffer.Cols)].CopyTo(((CpuBuffer)buffer).Values);

    public void Read(DeviceBuffer buffer, int rows, Span<float> destination) =>
        ((CpuBuffer)buffer).FirstRows(rows).CopyTo(destination);

    public void ReadQuantized(DeviceBuffer quantized, int rows, Span<sbyte> values, Span<float> scales)
    {
        var q = (CpuBuffer)quantized;
        q.Quantized.AsSpan(0, rows * q.Cols).CopyTo(values);
        q.Scales.AsSpan(0, rows).CopyTo(scales);
    }

    /// <summary>Runs a per-token operation for every token of a batch, tokens split over the threads (inline for one token).</summary>
    void ForEachToken(int tokenCount, Action<int> perToken)
    {
        if (tokenCount == 1) perToken(0);
        else _pool.For(tokenCount, (first, end) => { for (int t = first; t < end; t++) perToken(t); });
    }

    /// <summary>The host's read bandwidth with this backend's threads; the probe's buffer is kept for the next call.</summary>
    public double MeasureReadBandwidth() => (_bandwidth ??= new HostMemoryBandwidth(Threads)).Measure();

    public void Dispose()
    {
        _pool.Dispose();
        _bandwidth?.Dispose();
        _weightCache?.Dispose();
    }
}
