using System.Runtime.InteropServices;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Cpu;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// The CPU backend with its F16 output projection replaced by the int8 output layer's arithmetic on the host
/// (<see cref="Q8Reference"/>, which IlgpuInt8OutputLayerTests holds the device kernels to): whole models in seconds,
/// where ILGPU's simulated GPU would take many minutes. Everything else, and so the hidden states, is the CPU backend's.
/// </summary>
sealed class CpuWithInt8OutputLayer : IComputeBackend
{
    readonly CpuBackend _inner = new();
    readonly Dictionary<DeviceWeight, (sbyte[] Codes, float[] Scales)> _int8 = [];

    public string Name => "cpu+int8 output layer";
    public string DeviceDescription => _inner.DeviceDescription + ", int8 output layer (host)";
    public IReadOnlyList<KvCacheType> KvCacheTypes => _inner.KvCacheTypes;

    public DeviceWeight UploadTernary(GgufFile file, GgufTensorInfo tensor) => _inner.UploadTernary(file, tensor);
    public DeviceWeight UploadVector(GgufFile file, GgufTensorInfo tensor) => _inner.UploadVector(file, tensor);
    public DeviceWeight UploadDense(GgufFile file, GgufTensorInfo tensor)
    {
        var weight = _inner.UploadDense(file, tensor);
        if (tensor.Type == GgmlType.F16)
        {
            var halves = MemoryMarshal.Cast<byte, Half>(file.GetTensorBytes(tensor));
            var values = new float[halves.Length];
            for (int i = 0; i < values.Length; i++) values[i] = (float)halves[i];
            _int8[weight] = Q8Reference.Quantize(values);
        }
        return weight;
    }

    public DeviceBuffer AllocateActivations(int rows, int cols) => _inner.AllocateActivations(rows, cols);
    public DeviceBuffer AllocateQuantized(int rows, int cols) => _inner.AllocateQuantized(rows, cols);
    public KvCache AllocateKvCache(int layers, int sequences, int contextLength, int keyValueHeads, int headDim, KvCacheType type) =>
        _inner.AllocateKvCache(layers, sequences, contextLength, keyValueHeads, headDim, type);
    public void BeginStep(StepTokens step) => _inner.BeginStep(step);

    public void Embed(DeviceWeight table, DeviceBuffer output, int tokenCount) => _inner.Embed(table, output, tokenCount);
    public void RmsNorm(DeviceBuffer x, DeviceWeight weight, DeviceBuffer y, int tokenCount, float epsilon) => _inner.RmsNorm(x, weight, y, tokenCount, epsilon);
    public void QuantizeActivations(DeviceBuffer x, DeviceBuffer quantized, int tokenCount) => _inner.QuantizeActivations(x, quantized, tokenCount);
    public void TernaryMatMul(DeviceWeight weight, DeviceBuffer quantized, DeviceBuffer y, int tokenCount) => _inner.TernaryMatMul(weight, quantized, y, tokenCount);
    public void TernaryMatMuls(DeviceBuffer quantized, int tokenCount, ReadOnlySpan<(DeviceWeight Weight, DeviceBuffer Output)> products) =>
        _inner.TernaryMatMuls(quantized, tokenCount, products);
    public void Rope(DeviceBuffer x, int tokenCount, int heads, int headDim, int ropeDims, float freqBase, RopeStyle style) =>
        _inner.Rope(x, tokenCount, heads, headDim, ropeDims, freqBase, style);
    public void Attention(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, KvCache cache, int layer, DeviceBuffer output,
                          int tokenCount, int heads, int keyValueHeads, int headDim) =>
        _inner.Attention(q, k, v, cache, layer, output, tokenCount, heads, keyValueHeads, headDim);
    public void GateActivation(DeviceBuffer gate, DeviceBuffer up, int tokenCount, GateActivation activation) => _inner.GateActivation(gate, up, tokenCount, activation);
    public void Add(DeviceBuffer x, DeviceBuffer y, int tokenCount) => _inner.Add(x, y, tokenCount);
    public void CopyRow(DeviceBuffer source, int sourceRow, DeviceBuffer destination, int destinationRow) =>
        _inner.CopyRow(source, sourceRow, destination, destinationRow);

    // y[t, r] = Q8Reference.Dot(w, x[t]) for F16 weights; others stay the CPU backend's
    public void DenseMatMul(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int tokenCount)
    {
        if (!_int8.TryGetValue(weight, out var w))
        {
            _inner.DenseMatMul(weight, x, y, tokenCount);
            return;
        }
        var hidden = new float[tokenCount * x.Cols];
        _inner.Read(x, tokenCount, hidden);
        var (codes, scales) = Q8Reference.Quantize(hidden);
        var logits = new float[tokenCount * weight.Rows];
        Parallel.For(0, weight.Rows, r =>
        {
            for (int t = 0; t < tokenCount; t++)
                logits[t * weight.Rows + r] = (float)Q8Reference.Dot(w.Codes, w.Scales, r, codes, scales, t, weight.Cols).Sum;
        });
        _inner.Write(y, tokenCount, logits);
    }

    public void Write(DeviceBuffer buffer, int rows, ReadOnlySpan<float> values) => _inner.Write(buffer, rows, values);
    public void Read(DeviceBuffer buffer, int rows, Span<float> destination) => _inner.Read(buffer, rows, destination);
    public void ReadQuantized(DeviceBuffer quantized, int rows, Span<sbyte> values, Span<float> scales) => _inner.ReadQuantized(quantized, rows, values, scales);

    public void Dispose() => _inner.Dispose();
}
