using System.Buffers.Binary;
using BitNet.Gpu.Model;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Model.Gguf;

/// <summary>
/// Corrupts valid GGUF files at random and checks that opening and reading them either works or fails with a
/// clean <see cref="ModelFormatException"/>: never another exception, a crash or a hang.
/// Cases: 3000 by default; set BITNET_MUTATION_CASES for more (e.g. 200000 for a long run).
/// </summary>
public class GgufMutationTests
{
    [Fact]
    public void RandomCorruptionsGiveOnlyCleanErrors()
    {
        var original = GgufTestFiles.SmallFileBytes(seed: 4);
        MutationHarness.AssertOnlyCleanErrors(random => Mutate(original, random), path =>
        {
            using var file = GgufFile.Open(path);
            TouchEverything(file);
        }, ".gguf", seed: 20261124);
    }

    /// <summary>Reads every value and every tensor byte, as a loader would.</summary>
    static void TouchEverything(GgufFile file)
    {
        foreach (var (_, value) in file.Metadata.Entries) _ = value.ToString();
        long sum = 0;
        foreach (var tensor in file.Tensors)
            foreach (byte b in file.GetTensorBytes(tensor)) sum += b;
        GC.KeepAlive(sum);
    }

    static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        int headerEnd = Math.Min(bytes.Length, 900); // most structure lives in the header
        switch (random.Next(6))
        {
            case 0: // flip a few random bits
                for (int k = random.Next(1, 4); k > 0; k--) bytes[random.Next(headerEnd)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1: // truncate
                return bytes.AsSpan(0, random.Next(bytes.Length)).ToArray();
            case 2: // a random byte
                bytes[random.Next(headerEnd)] = (byte)random.Next(256);
                return bytes;
            case 3: // an extreme 64-bit value at a random position (lengths, counts, dims, offsets)
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(random.Next(headerEnd - 8)),
                    random.Next(3) switch { 0 => ulong.MaxValue, 1 => 1UL << random.Next(64), _ => (ulong)random.NextInt64() });
                return bytes;
            case 4: // an extreme 32-bit value (types, dimension counts)
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(random.Next(headerEnd - 4)), (uint)random.Next(-5, 100));
                return bytes;
            default: // delete or insert a span
                int at = random.Next(headerEnd);
                int length = random.Next(1, 16);
                return random.Next(2) == 0
                    ? [.. bytes.AsSpan(0, at), .. bytes.AsSpan(Math.Min(bytes.Length, at + length))]
                    : [.. bytes.AsSpan(0, at), .. RandomBytes(random, length), .. bytes.AsSpan(at)];
        }
    }

    static byte[] RandomBytes(Random random, int count)
    {
        var b = new byte[count];
        random.NextBytes(b);
        return b;
    }
}
