using System.Buffers.Binary;
using System.Text;
using BitNet.Gpu.Model;
using BitNet.Gpu.Model.SafeTensors;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Model.SafeTensors;

/// <summary>
/// Corrupts a valid safetensors file at random (bits, bytes, truncation, the length field, JSON text edits) and checks
/// that opening and reading it either works or fails with a clean <see cref="ModelFormatException"/>.
/// Cases: 3000 by default; set BITNET_MUTATION_CASES for more.
/// </summary>
public class SafeTensorsMutationTests
{
    // Pieces that turn valid JSON into other plausible or hostile JSON.
    static readonly string[] Replacements =
        ["-1", "1e300", "18446744073709551615", "9223372036854775807", "0", "null", "\"F64\"", "\"U8\"", "[]", "{}", "[0,0]", "\"\"", "\"__metadata__\"", "3.5", "[[1]]"];

    [Fact]
    public void RandomCorruptionsGiveOnlyCleanErrors()
    {
        var original = SafeTensorsTestFiles.SmallFileBytes(seed: 7);
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        MutationHarness.AssertOnlyCleanErrors(random => Mutate(original, headerEnd, random), path =>
        {
            using var file = SafeTensorsFile.Open(path);
            long sum = 0;
            foreach (var tensor in file.Tensors)
                foreach (byte b in file.GetBytes(tensor)) sum += b;
            GC.KeepAlive(sum);
        }, ".safetensors", seed: 20261125);
    }

    static byte[] Mutate(byte[] original, int headerEnd, Random random)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(6))
        {
            case 0:
                for (int k = random.Next(1, 4); k > 0; k--) bytes[random.Next(headerEnd)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1:
                return bytes.AsSpan(0, random.Next(bytes.Length)).ToArray();
            case 2:
                bytes[random.Next(headerEnd)] = (byte)random.Next(256);
                return bytes;
            case 3:
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, random.Next(3) switch
                {
                    0 => ulong.MaxValue,
                    1 => 1UL << random.Next(64),
                    _ => (ulong)(headerEnd - 8 + random.Next(-20, 20)),
                });
                return bytes;
            case 4: // a digit changed: offsets and shapes drift
            {
                var digits = Enumerable.Range(8, headerEnd - 8).Where(i => bytes[i] is >= (byte)'0' and <= (byte)'9').ToList();
                bytes[digits[random.Next(digits.Count)]] = (byte)('0' + random.Next(10));
                return bytes;
            }
            default: // a JSON value replaced by another, the header length fixed up
            {
                string header = Encoding.UTF8.GetString(bytes, 8, headerEnd - 8);
                var starts = Enumerable.Range(0, header.Length).Where(i => header[i] is '"' or '[' or '{' || char.IsDigit(header[i])).ToList();
                int at = starts[random.Next(starts.Count)];
                int length = Math.Min(random.Next(1, 12), header.Length - at);
                string mutated = header[..at] + Replacements[random.Next(Replacements.Length)] + header[(at + length)..];
                var newHeader = Encoding.UTF8.GetBytes(mutated);
                var result = new byte[8 + newHeader.Length + bytes.Length - headerEnd];
                BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)newHeader.Length);
                newHeader.CopyTo(result, 8);
                bytes.AsSpan(headerEnd).CopyTo(result.AsSpan(8 + newHeader.Length));
                return result;
            }
        }
    }
}
