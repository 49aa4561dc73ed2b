using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using BitNet.Gpu.Kernels.Cpu;
using BitNet.Gpu.Model;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Engine.Backends.Cpu;

/// <summary>
/// A model's I2_S weights saved in the CPU kernels' layout, so a later load maps them instead of repacking: fresh memory
/// costs the operating system a zeroed page per 4 KiB (most of a load's time), while a mapped file that was read
/// recently is already in memory. One file per model path, named by a hash of the path: a 4 KiB header (a hash of the
/// model's path, size, modification time and header, i.e. metadata and tensor table) and every I2_S tensor's packed
/// codes at 4 KiB-aligned offsets in the tensor table's order. Nothing in it is trusted: the header must match the
/// model exactly, and every tensor is compared with the model's own codes before use
/// (<see cref="TernaryMatrix.FromPackedI2S"/>); a missing, stale, truncated or damaged file is simply rewritten from
/// the repacked weights, in place of the old one.
/// </summary>
internal sealed unsafe class PackedWeightCache : IDisposable
{
    /// <summary>Environment variable: <c>on</c> for the default folder, another value names the folder; unset or <c>off</c>: no cache.</summary>
    public const string FolderVariable = "BITNET_GPU_WEIGHT_CACHE";
    const ulong Magic = 0x3153_5032_4954_4E42; // "BNTI2PS1" read as a little-endian u64
    const int FormatVersion = 1;
    const int HeaderBytes = 4096;
    const int TensorAlignment = 4096;

    readonly string _path;
    readonly byte[] _header;                        // what the file must start with
    readonly Dictionary<string, long> _offsets;     // I2_S tensor name → offset of its packed codes
    readonly long _length;
    MappedFile? _mapped;                            // a valid file's mapping (hit), else null
    FileStream? _writer;                            // the file being written (miss), else null
    string? _temporaryPath;
    int _tensorsLeft;                               // tensors still to write before the file is complete
    readonly List<GgufTensorInfo> _read = [];       // tensors read (and checked) from the mapped file
    MappedFile? _damaged;                           // a file found damaged after _read were checked: their codes are copied from it

    /// <summary>
    /// The cache folder <see cref="FolderVariable"/> asks for: null (no cache) unless it is set. Off by default: a hit
    /// saves ~0.1 s of a 2B4T load now that the repack is parallel and vectorized, while the mapped file's 4 KiB pages
    /// cost decoding 6–13% of the ternary products' read speed against the repacked weights in 2 MiB pages (2026-12-06,
    /// benchmarks/README), and the file takes the size of the ternary weights in the user's cache folder.
    /// </summary>
    public static string? DefaultFolder()
    {
        string? configured = Environment.GetEnvironmentVariable(FolderVariable);
        if (string.IsNullOrEmpty(configured) || string.Equals(configured, "off", StringComparison.OrdinalIgnoreCase)) return null;
        if (!string.Equals(configured, "on", StringComparison.OrdinalIgnoreCase)) return configured;
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg)) return Path.Combine(xdg, "bitnet-gpu");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".cache", "bitnet-gpu");
    }

    PackedWeightCache(string path, byte[] header, Dictionary<string, long> offsets, long length)
    {
        _path = path;
        _header = header;
        _offsets = offsets;
        _length = length;
        _tensorsLeft = offsets.Count;
    }

    /// <summary>The cache of <paramref name="model"/> in <paramref name="folder"/>: mapped when a matching file exists, else ready to write one.</summary>
    public static PackedWeightCache Open(GgufFile model, string folder)
    {
        var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
        long end = HeaderBytes;
        foreach (var tensor in model.Tensors.Where(t => t.Type == GgmlType.I2_S))
        {
            offsets[tensor.Name] = end;
            end += AlignUp(TernaryMatrix.PackedSize((int)tensor.Rows, (int)tensor.Columns));
        }
        byte[] key = ModelKey(model);
        string path = Path.Combine(folder, FileName(model.Path));
        var cache = new PackedWeightCache(path, Header(key, model, offsets.Count, end), offsets, end);
        cache._mapped = cache.MapIfValid();
        return cache;
    }

    /// <summary>
    /// One file per model path: a model rewritten in place replaces its old cache file rather than leaving it behind
    /// (the header's <see cref="ModelKey"/> tells the versions apart).
    /// </summary>
    static string FileName(string modelPath) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(modelPath))).AsSpan(0, 16)) + ".i2s-packed";

    /// <summary>SHA-256 of the model's full path, length, modification time and bytes before its tensor data.</summary>
    static byte[] ModelKey(GgufFile model)
    {
        var info = new FileInfo(model.Path);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{Path.GetFullPath(model.Path)}\n{model.FileLength}\n{info.LastWriteTimeUtc.Ticks}\n{FormatVersion}\n"));
        using var stream = new FileStream(model.Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        var buffer = new byte[1 << 16];
        for (long left = Math.Min(model.DataOffset, model.FileLength); left > 0;)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0) break;
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
        return hash.GetHashAndReset();
    }

    static byte[] Header(byte[] key, GgufFile model, int tensors, long length)
    {
        var header = new byte[HeaderBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), tensors);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), length);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), model.FileLength);
        key.CopyTo(header.AsSpan(32));
        return header;
    }

    /// <summary>The existing file's mapping when its length and header are exactly this model's; null otherwise.</summary>
    MappedFile? MapIfValid()
    {
        try
        {
            if (!File.Exists(_path) || new FileInfo(_path).Length != _length) return null;
            var mapped = MappedFile.Open(_path, "weight cache", HeaderBytes, "a weight cache starts with a 4096-byte header");
            if (mapped.Length == _length && new ReadOnlySpan<byte>(mapped.Pointer, HeaderBytes).SequenceEqual(_header)) return mapped;
            mapped.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ModelFormatException)
        {
        }
        return null;
    }

    /// <summary>Whether a matching cache file was found and mapped.</summary>
    public bool IsHit => _mapped is not null;

    /// <summary>
    /// The I2_S tensor read from the cache, or null when the tensor is not in it or its cached codes do not match the
    /// model's (then the caller repacks it and <see cref="Save"/> rewrites the file).
    /// </summary>
    public TernaryMatrix? TryRead(GgufTensorInfo tensor, ReadOnlySpan<byte> codes, float scale)
    {
        if (_mapped is null || !_offsets.TryGetValue(tensor.Name, out long offset)) return null;
        var matrix = TernaryMatrix.FromPackedI2S(codes, (int)tensor.Rows, (int)tensor.Columns, scale, _mapped.Pointer + offset, _mapped.KeepMapped());
        if (matrix is not null) _read.Add(tensor);
        else
        {
            _damaged = _mapped; // its checked tensors go into the rewritten file
            _mapped = null;
        }
        return matrix;
    }

    /// <summary>Stops reading the mapped file (tensors already made from it keep it mapped through their leases).</summary>
    void Invalidate()
    {
        _mapped?.Dispose();
        _mapped = null;
    }

    /// <summary>Writes a repacked tensor's codes into a new cache file, which replaces the old one once every I2_S tensor is in.</summary>
    public void Save(GgufTensorInfo tensor, TernaryMatrix matrix)
    {
        if (!_offsets.ContainsKey(tensor.Name) || _tensorsLeft < 0) return;
        try
        {
            if (_writer is null)
            {
                _writer = CreateWriter();
                foreach (var checkedTensor in _read) WriteCodes(checkedTensor, CodesIn(_damaged!, checkedTensor)); // the damaged file's good part
                _read.Clear();
                _damaged?.Dispose();
                _damaged = null;
            }
            Write(tensor, matrix);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Abandon(); // a cache that cannot be written only costs the next load the repack
        }
    }

    ReadOnlySpan<byte> CodesIn(MappedFile file, GgufTensorInfo tensor) =>
        new(file.Pointer + _offsets[tensor.Name], checked((int)TernaryMatrix.PackedSize((int)tensor.Rows, (int)tensor.Columns)));

    void Write(GgufTensorInfo tensor, TernaryMatrix matrix) => WriteCodes(tensor, matrix.PackedCodes);

    void WriteCodes(GgufTensorInfo tensor, ReadOnlySpan<byte> codes)
    {
        RandomAccess.Write(_writer!.SafeFileHandle, codes, _offsets[tensor.Name]);
        if (--_tensorsLeft == 0) Complete();
    }

    FileStream CreateWriter()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        DeleteAbandonedWrites();
        _temporaryPath = $"{_path}.{Environment.ProcessId}.tmp";
        var stream = new FileStream(_temporaryPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        stream.SetLength(_length);
        return stream;
    }

    /// <summary>Header last, then an atomic rename: a reader sees either the old file, or the whole new one.</summary>
    void Complete()
    {
        RandomAccess.Write(_writer!.SafeFileHandle, _header, 0);
        _writer.Dispose();
        _writer = null;
        Invalidate();
        File.Move(_temporaryPath!, _path, overwrite: true);
        _temporaryPath = null;
    }

    void Abandon()
    {
        _writer?.Dispose();
        _writer = null;
        if (_temporaryPath is not null) TryDelete(_temporaryPath);
        _temporaryPath = null;
        _tensorsLeft = -1; // never complete
    }

    /// <summary>Unfinished files of this model left by a process that was killed while writing (another process still
    /// writing one touches it more often than every <see cref="AbandonedAfter"/>).</summary>
    void DeleteAbandonedWrites()
    {
        foreach (string file in Directory.EnumerateFiles(Path.GetDirectoryName(_path)!, Path.GetFileName(_path) + ".*.tmp"))
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) > AbandonedAfter) TryDelete(file);
    }

    static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(10);

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    static long AlignUp(long value) => (value + TensorAlignment - 1) / TensorAlignment * TensorAlignment;

    /// <summary>Releases the mapping (tensors read from it keep it until they are disposed) and drops an unfinished file.</summary>
    public void Dispose()
    {
        Invalidate();
        _damaged?.Dispose();
        _damaged = null;
        _read.Clear();
        if (_writer is not null) Abandon();
    }
}
