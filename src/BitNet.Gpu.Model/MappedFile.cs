using System.IO.MemoryMappedFiles;

namespace BitNet.Gpu.Model;

/// <summary>
/// A file mapped read-only into memory: its bytes are read in place through <see cref="Pointer"/>, never copied,
/// and the operating system pages them in on first touch. Valid until disposed.
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    readonly MemoryMappedFile _map;
    readonly MemoryMappedViewAccessor _view;
    byte* _pointer;

    MappedFile(string path, long length, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* pointer)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        _pointer = pointer;
    }

    public string Path { get; }
    public long Length { get; }

    public byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pointer == null, this);
            return _pointer;
        }
    }

    /// <summary>
    /// Maps <paramref name="path"/>, which must hold at least <paramref name="minimumLength"/> bytes
    /// (<paramref name="tooShort"/> explains why, for the error); <paramref name="kind"/> names the file in a not-found error.
    /// </summary>
    public static MappedFile Open(string path, string kind, long minimumLength, string tooShort)
    {
        if (Directory.Exists(path))
            throw new ModelFormatException(path, $"is a folder, not a {kind}", 0);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{kind} not found: {path}", path);
        long length = new FileInfo(path).Length;
        if (length < minimumLength)
            throw new ModelFormatException(path, $"file is truncated: {length} bytes; {tooShort}", 0);

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new MappedFile(path, length, map, view, pointer + view.PointerOffset);
        }
        catch
        {
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_pointer == null) return;
        _pointer = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
