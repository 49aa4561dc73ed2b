namespace BitNet.Gpu.Model.SafeTensors;

/// <summary>
/// The tensors of a checkpoint split over one or more safetensors shards, looked up by name.
/// A name found in two shards is a <see cref="ModelFormatException"/> naming both files.
/// </summary>
public sealed class SafeTensorsCheckpoint : IDisposable
{
    readonly List<SafeTensorsFile> _files = new();
    readonly Dictionary<string, (SafeTensorsFile File, SafeTensorInfo Info)> _byName = new(StringComparer.Ordinal);

    public IReadOnlyList<SafeTensorsFile> Files => _files;
    public IEnumerable<SafeTensorInfo> Tensors => _byName.Values.Select(v => v.Info);
    public int TensorCount => _byName.Count;

    SafeTensorsCheckpoint() { }

    /// <summary>Opens every <c>*.safetensors</c> file of <paramref name="directory"/> (sorted by name).</summary>
    public static SafeTensorsCheckpoint OpenDirectory(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"checkpoint folder not found: {directory}");
        var paths = Directory.GetFiles(directory, "*.safetensors").Order(StringComparer.Ordinal).ToList();
        if (paths.Count == 0)
            throw new ModelFormatException(directory, "no *.safetensors files in this folder");
        return Open(paths);
    }

    public static SafeTensorsCheckpoint Open(IEnumerable<string> paths)
    {
        var checkpoint = new SafeTensorsCheckpoint();
        try
        {
            foreach (string path in paths)
                checkpoint.Add(SafeTensorsFile.Open(path));
            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    void Add(SafeTensorsFile file)
    {
        _files.Add(file);
        foreach (var tensor in file.Tensors)
        {
            if (_byName.TryGetValue(tensor.Name, out var other))
                throw new ModelFormatException(file.Path, $"tensor '{tensor.Name}' is also in {other.File.Path}");
            _byName.Add(tensor.Name, (file, tensor));
        }
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public SafeTensorInfo? Find(string name) => _byName.TryGetValue(name, out var entry) ? entry.Info : null;

    /// <summary>The tensor, or a <see cref="ModelFormatException"/> naming the missing tensor and the shards searched.</summary>
    public SafeTensorInfo Get(string name) => Find(name) ?? throw new ModelFormatException(
        _files.Count == 1 ? _files[0].Path : Path.GetDirectoryName(_files.FirstOrDefault()?.Path),
        $"missing tensor '{name}' (searched {_files.Count} safetensors file{(_files.Count == 1 ? "" : "s")})");

    /// <summary>The shard that holds <paramref name="tensor"/>.</summary>
    public SafeTensorsFile FileOf(SafeTensorInfo tensor) =>
        _byName.TryGetValue(tensor.Name, out var entry) && ReferenceEquals(entry.Info, tensor)
            ? entry.File
            : throw new ArgumentException($"tensor '{tensor.Name}' is not from this checkpoint", nameof(tensor));

    public ReadOnlySpan<byte> GetBytes(SafeTensorInfo tensor, long byteOffset, int length) => FileOf(tensor).GetBytes(tensor, byteOffset, length);

    public ReadOnlySpan<byte> GetBytes(SafeTensorInfo tensor) => FileOf(tensor).GetBytes(tensor);

    public void Dispose()
    {
        foreach (var file in _files) file.Dispose();
        _files.Clear();
        _byName.Clear();
    }
}
