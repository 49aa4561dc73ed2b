using System.IO.MemoryMappedFiles;

namespace BitNet.Gpu.Model;

/// <summary>
/// A file mapped read-only into memory: its bytes are read in place through <see cref="Pointer"/>, never copied,
/// and the operating system pages them in on first touch. Valid until disposed; a <see cref="KeepMapped"/> lease keeps
/// the bytes mapped past that, for weights a backend reads in place.
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    readonly MemoryMappedFile _map;
    readonly MemoryMappedViewAccessor _view;
    byte* _pointer;
    int _references = 1;   // the owner's, plus one per lease

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

        // The length comes from the opened file, not from the path's directory entry: a symbolic link (the Hugging Face
        // cache stores every file as one) has its own, tiny length, and opening follows it, through any chain of links.
        var stream = OpenFollowingLinks(path, kind);
        long length = stream.Length;
        if (length < minimumLength)
        {
            stream.Dispose();
            throw new ModelFormatException(path, $"file is truncated: {length} bytes; {tooShort}", 0);
        }

        MemoryMappedFile map;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
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

    /// <summary>Opens the file a path names for reading; a link whose target is missing is reported as a missing file.</summary>
    static FileStream OpenFollowingLinks(string path, string kind)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        }
        catch (FileNotFoundException)
        {
            string? target = new FileInfo(path).LinkTarget;
            string why = target is null ? "" : $" (a symbolic link to {target}, which does not exist)";
            throw new FileNotFoundException($"{kind} not found: {path}{why}", path);
        }
    }

    /// <summary>
    /// A lease that keeps the mapping alive until it is disposed, even after this file is: <see cref="Pointer"/> was read
    /// before, and its bytes stay readable. Each lease is released once.
    /// </summary>
    public IDisposable KeepMapped()
    {
        ObjectDisposedException.ThrowIf(_pointer == null, this);
        Interlocked.Increment(ref _references);
        return new Lease(this);
    }

    sealed class Lease(MappedFile file) : IDisposable
    {
        int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) file.Release();
        }
    }

    public void Dispose()
    {
        if (_pointer == null) return;
        _pointer = null;
        Release();
    }

    void Release()
    {
        if (Interlocked.Decrement(ref _references) > 0) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
