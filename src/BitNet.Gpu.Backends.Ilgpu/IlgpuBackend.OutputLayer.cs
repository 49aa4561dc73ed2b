using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// The int8 output layer (<see cref="OutputLayerType.Int8"/>): an F16 matrix's first product quantizes it on the device
/// into <see cref="Q8Layout"/> blocks (kept beside the F16 weights, which the embedding lookup still reads); each
/// product then quantizes its input into blocks the same way and sums integer dot products, reading 0.56 of the F16 bytes.
/// </summary>
public sealed partial class IlgpuBackend
{
    /// <summary>Whether products with <paramref name="w"/> go through its int8 copy.</summary>
    bool KeepsInt8(IlgpuDenseWeight w) =>
        _outputType == OutputLayerType.Int8 && w.Half is not null && w.Cols % Q8Layout.BlockSize == 0;

    /// <summary>Bytes of weights one product with <paramref name="weight"/> reads.</summary>
    long BytesRead(DeviceWeight weight) =>
        weight is IlgpuDenseWeight w && KeepsInt8(w) ? Int8Copy(w).ByteSize : weight.ByteSize;

    /// <summary>The int8 copy of an F16 matrix, quantized on the device the first time it is needed.</summary>
    Q8Matrix Int8Copy(IlgpuDenseWeight w)
    {
        if (w.Int8 is null)
        {
            long values = (long)w.Rows * w.Cols;
            var copy = new Q8Matrix(_memory, values, w.Name);
            _kernels.QuantizeHalfBlocks(_stream, checked((int)Q8Layout.BlocksFor(values)), new HalfWeights(w.Half!.View), copy.Codes.View, copy.Scales.View);
            w.Int8 = copy;
        }
        return w.Int8;
    }

    /// <summary>The input of tokens × cols quantized into blocks (the int8 scratch).</summary>
    Q8Matrix QuantizeInput(IlgpuBuffer input, int tokenCount, int cols)
    {
        long inputValues = (long)tokenCount * cols;
        var quantized = _int8Input.Get(inputValues);
        _kernels.QuantizeFloatBlocks(_stream, checked((int)Q8Layout.BlocksFor(inputValues)), new FloatWeights(input.Values.View),
            quantized.Codes.View, quantized.Scales.View);
        return quantized;
    }

    // y[t, r] = Σ_b (ws[r, b] · xs[t, b]) · Σ_j w8[r, 32b + j] · x8[t, 32b + j]
    void Int8MatMul(IlgpuDenseWeight w, IlgpuBuffer input, IlgpuBuffer output, int tokenCount, KernelConfig config)
    {
        var weights = Int8Copy(w);
        var quantized = QuantizeInput(input, tokenCount, w.Cols);
        _kernels.Q8MatVec(_stream, config,
            weights.Codes.View.AsContiguous().Cast<SixteenCodes>(), weights.Scales.View,
            quantized.Codes.View.AsContiguous().Cast<SixteenCodes>(), quantized.Scales.View,
            output.Values.View, w.Rows, w.Cols / SixteenCodes.Count);
    }

    /// <summary>The int8 copy of <paramref name="weight"/> as the device holds it: codes (four per int) and block scales (tests).</summary>
    internal (int[] Codes, float[] Scales) ReadInt8Weights(DeviceWeight weight) => ReadQ8(Int8Copy((IlgpuDenseWeight)weight));

    /// <summary>The last int8 product's quantized input, the first <paramref name="values"/> of it (tests).</summary>
    internal (int[] Codes, float[] Scales) ReadInt8Input(long values) => ReadQ8(_int8Input.Get(values), values);

    (int[] Codes, float[] Scales) ReadQ8(Q8Matrix matrix, long? values = null)
    {
        long count = values ?? matrix.Values;
        var codes = new int[Q8Layout.IntsFor(count)];
        var scales = new float[Q8Layout.BlocksFor(count)];
        WaitForDevice();
        matrix.Codes.View.SubView(0, codes.Length).CopyToCPU(_stream, codes);
        matrix.Scales.View.SubView(0, scales.Length).CopyToCPU(_stream, scales);
        _stream.Synchronize();
        return (codes, scales);
    }
}
