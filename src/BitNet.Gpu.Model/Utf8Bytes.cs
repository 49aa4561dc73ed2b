using System.Buffers;
using System.Text;

namespace BitNet.Gpu.Model;

/// <summary>Finds where bytes stop being valid UTF-8, so a reader can refuse a file with an error naming the byte.</summary>
public static class Utf8Bytes
{
    /// <summary>The offset of the first byte that does not start a valid UTF-8 sequence, or -1 when all are valid.</summary>
    public static int FirstInvalid(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return -1;
        for (int at = 0; at < bytes.Length;)
        {
            if (Rune.DecodeFromUtf8(bytes[at..], out _, out int used) != OperationStatus.Done) return at;
            at += used;
        }
        return -1;
    }
}
