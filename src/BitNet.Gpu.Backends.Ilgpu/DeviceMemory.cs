using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>Thrown when a model or buffer does not fit in device memory: says how much was needed and how much is left.</summary>
public sealed class DeviceOutOfMemoryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Allocates device buffers, counting the bytes this backend holds so running out gives a clear message.</summary>
sealed class DeviceMemory(Accelerator accelerator)
{
    public long BytesInUse { get; private set; }

    /// <summary>Called before a buffer is allocated or freed (step graphs hold buffer addresses).</summary>
    public Action? Changing { get; set; }
    public long BytesAvailable => Math.Max(0, accelerator.MemorySize - BytesInUse);

    public MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long count, string what) where T : unmanaged
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, $"{what}: element count must be positive");
        long bytes = count * Interop.SizeOf<T>();
        if (bytes > BytesAvailable) throw OutOfMemory(what, bytes, null);
        Changing?.Invoke();
        try
        {
            var buffer = accelerator.Allocate1D<T>(count);
            BytesInUse += bytes;
            return buffer;
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            throw OutOfMemory(what, bytes, e);
        }
    }

    public void Free<T>(MemoryBuffer1D<T, Stride1D.Dense>? buffer) where T : unmanaged
    {
        if (buffer is null || buffer.IsDisposed) return;
        Changing?.Invoke();
        BytesInUse -= buffer.LengthInBytes;
        buffer.Dispose();
    }

    DeviceOutOfMemoryException OutOfMemory(string what, long bytes, Exception? inner) => new(
        $"Out of device memory on {accelerator.Name}: {what} needs {Mib(bytes)}, but only {Mib(BytesAvailable)} of " +
        $"{Mib(accelerator.MemorySize)} is free ({Mib(BytesInUse)} already held by this model). " +
        "Try a smaller --ctx or a smaller model.", inner);

    static string Mib(long bytes) => $"{bytes / (1024.0 * 1024.0):F1} MiB";
}
