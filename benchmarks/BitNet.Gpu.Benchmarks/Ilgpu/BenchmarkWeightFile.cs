using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Benchmarks.Ilgpu;

/// <summary>A temporary GGUF of seeded random weights for the kernel benchmarks: I2_S ternary, F16 dense, F32 norm.</summary>
sealed class BenchmarkWeightFile : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("bitnet-gpu-bench-").FullName;
    public GgufFile File { get; }

    public BenchmarkWeightFile(int hidden, int feedForward, int vocab, int seed = 7)
    {
        var random = new Random(seed);
        var writer = new GgufWriter();
        writer.AddTensor("ffn_up.weight", GgmlType.I2_S, [hidden, feedForward], Ternary(random, feedForward, hidden));
        writer.AddTensor("output.weight", GgmlType.F16, [hidden, vocab], Dense(random, (long)vocab * hidden));
        writer.AddTensor("norm.weight", GgmlType.F32, [hidden], Norm(random, hidden));
        string path = Path.Combine(_directory, "weights.gguf");
        writer.Write(path);
        File = GgufFile.Open(path);
    }

    static byte[] Ternary(Random random, int rows, int cols)
    {
        var values = new sbyte[(long)rows * cols];
        for (long i = 0; i < values.Length; i++) values[i] = (sbyte)(random.Next(3) - 1);
        var bytes = new byte[TensorSizes.ByteSize(GgmlType.I2_S, values.Length)];
        I2S.Pack(values, 0.8f, bytes);
        return bytes;
    }

    static byte[] Dense(Random random, long count)
    {
        var bytes = new byte[count * 2];
        for (long i = 0; i < count; i++)
            BitConverter.TryWriteBytes(bytes.AsSpan((int)(i * 2), 2), (Half)(random.NextDouble() * 0.1 - 0.05));
        return bytes;
    }

    static byte[] Norm(Random random, int count)
    {
        var bytes = new byte[count * 4];
        for (int i = 0; i < count; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 4, 4), (float)(0.9 + 0.2 * random.NextDouble()));
        return bytes;
    }

    public void Dispose()
    {
        File.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
