using System.Runtime.InteropServices;
using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// The int8 output layer (<see cref="OutputLayerType.Int8"/>): an F16 matrix's first product quantizes it on the device
/// into blocks of 32 int8 codes and a scale (<see cref="Q8Matrix"/>, kept beside the F16 weights, which the embedding
/// lookup still reads); each product then quantizes its input into blocks the same way and sums integer dot products,
/// reading 0.56 of the F16 bytes. The arithmetic is the ILGPU backend's: the same codes and scales, the same terms.
/// </summary>
public sealed partial class VulkanBackend
{
    const int ChunkValues = 16;   // codes per chunk: the products' terms are (ws · xs) · Σ over a chunk

    /// <summary>Whether products with <paramref name="w"/> go through its int8 copy.</summary>
    bool KeepsInt8(VulkanDenseWeight w) => _outputType == OutputLayerType.Int8 && HasWholeBlocks(w);

    /// <summary>F16 rows of whole int8 blocks: what the int8 copy and the screen need.</summary>
    static bool HasWholeBlocks(VulkanDenseWeight w) => w.IsHalf && w.Cols % TopRowScreen.BlockSize == 0;

    /// <summary>Bytes of weights one product with <paramref name="w"/> reads.</summary>
    long BytesRead(VulkanDenseWeight w) => KeepsInt8(w) ? Int8Copy(w).ByteSize : w.ByteSize;

    /// <summary>The int8 copy of an F16 matrix, quantized on the device the first time it is needed. The step that
    /// queues the conversion is not kept for replay, which would convert again.</summary>
    Q8Matrix Int8Copy(VulkanDenseWeight w)
    {
        if (w.Int8 is not null) return w.Int8;
        var (codeBytes, scaleBytes) = Q8Matrix.RowBytes(w.Cols);
        var copy = new Q8Matrix
        {
            Cols = w.Cols,
            Codes = new GpuBuffer(_context, w.Rows * codeBytes, hostVisible: false),
            Scales = new GpuBuffer(_context, w.Rows * scaleBytes, hostVisible: false),
            Chunks = RowRange.Split(w.Rows, [w.RowBytes, codeBytes, scaleBytes], _context.MaxBindingBytes, _context.OffsetAlignment),
        };
        foreach (var chunk in copy.Chunks)
        {
            int blocks = chunk.Count * (w.Cols / TopRowScreen.BlockSize);
            var (x, y) = LinearGroups(blocks);
            _stream.Dispatch(_kernels.QuantizeBlocks,
                [w.Values.Window(chunk.First * w.RowBytes, chunk.Count * w.RowBytes), copy.CodesWindow(chunk), copy.ScalesWindow(chunk)],
                [(uint)blocks, 1u], x, y);
        }
        _recordings.Abandon();
        return w.Int8 = copy;
    }

    /// <summary>Tokens [first, first + count) of the input quantized into blocks: windows of the int8 scratch.</summary>
    (BufferWindow Codes, BufferWindow Scales) QuantizeInput(VulkanActivations input, RowRange tokens)
    {
        var (codeBytes, scaleBytes) = Q8Matrix.RowBytes(input.Cols);
        var codes = _int8InputCodes.Window(_stream, tokens.Count * codeBytes);
        var scales = _int8InputScales.Window(_stream, tokens.Count * scaleBytes);
        int blocks = tokens.Count * (input.Cols / TopRowScreen.BlockSize);
        var (x, y) = LinearGroups(blocks);
        _stream.Dispatch(_kernels.QuantizeBlocks, [input.RowsWindow(tokens.First, tokens.Count), codes, scales], [(uint)blocks, 0u], x, y);
        return (codes, scales);
    }

    // y[t, r] = Σ_c (ws[r, c/2] · xs[t, c/2]) · Σ_j w8[r, 16c + j] · x8[t, 16c + j]
    void Int8MatMul(VulkanDenseWeight w, VulkanActivations input, VulkanActivations output, int tokenCount)
    {
        var weights = Int8Copy(w);
        int chunksPerRow = w.Cols / ChunkValues;
        var tokenGroups = RowRange.Split(tokenCount, [input.RowBytes, output.RowBytes, Q8Matrix.RowBytes(w.Cols).Codes],
                                         _context.MaxBindingBytes, _context.OffsetAlignment);
        foreach (var tokens in tokenGroups)
        {
            var (codes, scales) = QuantizeInput(input, tokens);
            foreach (var chunk in weights.Chunks)
            {
                uint groupsX = (uint)Math.Min(chunk.Count, MaxGroupsPerDimension);
                _stream.Dispatch(_kernels.Q8MatMul,
                    [weights.CodesWindow(chunk), weights.ScalesWindow(chunk), codes, scales, output.RowsWindow(tokens.First, tokens.Count)],
                    [(uint)chunk.Count, (uint)chunksPerRow, (uint)chunk.First, (uint)w.Rows, (uint)tokens.Count],
                    groupsX, CeilDiv(chunk.Count, (int)groupsX), CeilDiv(tokens.Count, DenseTokenTile));
            }
        }
    }

    /// <summary>The int8 copy of <paramref name="weight"/> as the device holds it: codes and block scales (tests).</summary>
    internal (sbyte[] Codes, float[] Scales) ReadInt8Weights(DeviceWeight weight)
    {
        var copy = Int8Copy((VulkanDenseWeight)weight);
        return (Download<sbyte>(copy.Codes, copy.Codes.Size), Download<float>(copy.Scales, copy.Scales.Size / 4));
    }

    /// <summary>The last int8 product's quantized input, its first <paramref name="values"/> (tests).</summary>
    internal (sbyte[] Codes, float[] Scales) ReadInt8Input(long values) =>
        (Download<sbyte>(_int8InputCodes.Buffer!, values), Download<float>(_int8InputScales.Buffer!, values / TopRowScreen.BlockSize));

    T[] Download<T>(GpuBuffer buffer, long count) where T : unmanaged
    {
        var values = new T[count];
        _stream.Download(buffer, 0, MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }
}
