using BitNet.Gpu.Model.Convert;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Engine.Checking;

/// <summary>
/// A temporary GGUF file of seeded random weight tensors, for uploading single weights to a backend in op tests.
/// Ternary tensors keep their exact ternary values and scales so a test can compute the expected result. Used by the
/// op tests and by <c>bitnet-gpu check</c>.
/// <code>using var weights = new RandomWeightFile(seed: 1);
/// string name = weights.AddTernary("w", GgmlType.I2_S, rows: 64, cols: 256);
/// var weight = backend.UploadTernary(weights.File, weights[name]);</code>
/// </summary>
public sealed class RandomWeightFile : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("bitnet-gpu-weights-").FullName;
    readonly GgufWriter _writer = new();
    readonly Random _random;
    GgufFile? _file;

    public RandomWeightFile(int seed) => _random = new Random(seed);

    public GgufFile File => _file ??= Open();

    GgufFile Open()
    {
        string path = Path.Combine(_folder, "weights.gguf");
        _writer.Write(path);
        return GgufFile.Open(path);
    }

    /// <summary>Adds a [rows × cols] ternary tensor (values in {-1,0,1}, about a third zeros) in the given format.</summary>
    public string AddTernary(string name, GgmlType type, int rows, int cols)
    {
        var values = new sbyte[rows * cols];
        for (int i = 0; i < values.Length; i++) values[i] = (sbyte)(_random.Next(3) - 1);
        var bytes = new byte[TensorSizes.ByteSize(type, values.Length)];
        switch (type)
        {
            case GgmlType.I2_S:
                I2S.Pack(values, 0.5f + (float)_random.NextDouble(), bytes);
                break;
            case GgmlType.TQ2_0:
            case GgmlType.TQ1_0:
                var scales = new Half[values.Length / 256];
                for (int i = 0; i < scales.Length; i++) scales[i] = (Half)(0.25 + _random.NextDouble());
                if (type == GgmlType.TQ2_0) TQ2_0.Pack(values, scales, bytes);
                else TQ1_0.Pack(values, scales, bytes);
                break;
            default:
                throw new ArgumentException($"{type} is not ternary", nameof(type));
        }
        _writer.AddTensor(name, type, [cols, rows], bytes);
        return name;
    }

    /// <summary>Adds a dense [rows × cols] tensor of normal random values × scale (a vector when rows is 1 and asVector).</summary>
    public string AddDense(string name, GgmlType type, int rows, int cols, float scale = 1f, float offset = 0f, bool asVector = false)
    {
        var values = new float[rows * cols];
        for (int i = 0; i < values.Length; i++) values[i] = offset + scale * Normal();
        var bytes = new byte[TensorSizes.ByteSize(type, values.Length)];
        DenseEncoder.Encode(values, type, bytes);
        _writer.AddTensor(name, type, asVector ? [cols] : [cols, rows], bytes);
        return name;
    }

    public GgufTensorInfo this[string name] => File.GetTensor(name);

    float Normal() => (float)(Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble()));

    public void Dispose()
    {
        _file?.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
