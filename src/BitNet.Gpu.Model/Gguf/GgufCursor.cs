using System.Buffers.Binary;
using System.Text;

namespace BitNet.Gpu.Model.Gguf;

/// <summary>
/// Bounds-checked little-endian reads over the header bytes of a GGUF file.
/// Every read checks the remaining length first, so a truncated file is a clean error with the offset.
/// </summary>
internal unsafe ref struct GgufCursor
{
    readonly byte* _start;
    readonly long _length;
    readonly string _path;

    public GgufCursor(byte* start, long length, string path)
    {
        _start = start;
        _length = length;
        _path = path;
        Position = 0;
    }

    public long Position { get; private set; }
    public readonly long Remaining => _length - Position;

    ReadOnlySpan<byte> Take(long count, string field)
    {
        if (count < 0 || count > Remaining)
            throw new ModelFormatException(_path, $"file is truncated: {field} needs {count} bytes, {Remaining} remain", Position);
        var span = new ReadOnlySpan<byte>(_start + Position, checked((int)count));
        Position += count;
        return span;
    }

    public byte ReadUInt8(string field) => Take(1, field)[0];
    public sbyte ReadInt8(string field) => (sbyte)Take(1, field)[0];
    public ushort ReadUInt16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, field));
    public short ReadInt16(string field) => BinaryPrimitives.ReadInt16LittleEndian(Take(2, field));
    public uint ReadUInt32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));
    public int ReadInt32(string field) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, field));
    public ulong ReadUInt64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));
    public long ReadInt64(string field) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, field));
    public float ReadFloat32(string field) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, field));
    public double ReadFloat64(string field) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, field));

    public bool ReadBool(string field)
    {
        long at = Position;
        byte b = ReadUInt8(field);
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw new ModelFormatException(_path, $"{field}: bool must be 0 or 1, found {b}", at),
        };
    }

    /// <summary>A u64 length followed by that many UTF-8 bytes; the length is checked against the bytes left.</summary>
    public string ReadString(string field)
    {
        long at = Position;
        ulong length = ReadUInt64(field + " length");
        if (length > (ulong)Remaining)
            throw new ModelFormatException(_path, $"{field}: string length {length} runs past the end of the file", at);
        var bytes = Take((long)length, field);
        try
        {
            return Utf8Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ModelFormatException(_path, $"{field}: string is not valid UTF-8", at);
        }
    }

    /// <summary>
    /// A count of <paramref name="items"/> that each take at least <paramref name="minBytesEach"/> bytes: checked against
    /// the bytes left so that nothing is ever allocated for items that cannot be in the file.
    /// </summary>
    public int ReadCount(string field, string items, int minBytesEach)
    {
        long at = Position;
        ulong count = ReadUInt64(field);
        // UInt128: a corrupt count times the bytes per item must not wrap around to a small number.
        UInt128 needed = (UInt128)count * (uint)minBytesEach;
        if (needed > (ulong)Remaining)
            throw new ModelFormatException(_path,
                $"file is truncated or corrupt: {field} = {count} needs at least {needed} bytes of {items} but only {Remaining} bytes are left", at);
        if (count > int.MaxValue)
            throw new ModelFormatException(_path, $"{field} = {count} is more than the {int.MaxValue} this reader supports", at);
        return (int)count;
    }

    static readonly UTF8Encoding Utf8Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
