using System.Runtime.InteropServices;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>A NUL-terminated UTF-8 copy of a string in unmanaged memory, for Vulkan's char* fields.</summary>
internal sealed unsafe class NativeString(string value) : IDisposable
{
    public byte* Pointer { get; private set; } = (byte*)Marshal.StringToCoTaskMemUTF8(value);

    public void Dispose()
    {
        if (Pointer == null) return;
        Marshal.FreeCoTaskMem((nint)Pointer);
        Pointer = null;
    }
}
