using System.Text.Json;

namespace BitNet.Gpu.Model.SafeTensors;

/// <summary>Parses and checks a safetensors JSON header against the size of the data section.</summary>
internal static class SafeTensorsHeader
{
    const int MaxDimensions = 8;
    const string MetadataKey = "__metadata__";

    /// <param name="dataLength">bytes after the header</param>
    /// <param name="dataOffset">where the data section starts in the file (tensor offsets become absolute)</param>
    public static (IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<SafeTensorInfo> Tensors) Parse(
        string path, ReadOnlySpan<byte> header, long dataLength, long dataOffset)
    {
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw new ModelFormatException(path, "header is not valid UTF-8", 8);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, $"header is not valid JSON: {e.Message}", 8, e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException(path, $"header is a JSON {root.ValueKind}, expected an object", 8);

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<SafeTensorInfo>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in root.EnumerateObject())
            {
                if (!names.Add(entry.Name))
                    throw new ModelFormatException(path, $"header names '{entry.Name}' twice", 8);
                if (entry.Name == MetadataKey)
                    ReadMetadata(path, entry.Value, metadata);
                else
                    tensors.Add(ReadTensor(path, entry.Name, entry.Value, dataLength, dataOffset));
            }
            CheckNoOverlap(path, tensors);
            return (metadata, tensors);
        }
    }

    static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(path, $"'{MetadataKey}' is a JSON {value.ValueKind}, expected an object of strings", 8);
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new ModelFormatException(path, $"'{MetadataKey}'.'{item.Name}' is a JSON {item.Value.ValueKind}, expected a string", 8);
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    static SafeTensorInfo ReadTensor(string path, string name, JsonElement value, long dataLength, long dataOffset)
    {
        ModelFormatException Bad(string message) => new(path, $"tensor '{name}': {message}", 8);

        if (name.Length == 0)
            throw Bad("empty tensor name");
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad($"entry is a JSON {value.ValueKind}, expected {{dtype, shape, data_offsets}}");

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Bad("missing string field 'dtype'");
        string dtypeName = dtypeElement.GetString()!;
        if (!SafeTensorsDTypes.TryParse(dtypeName, out var dtype))
            throw Bad($"dtype {dtypeName} is not supported (F32, F16, BF16, U8 and I8 are)");

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Bad("missing array field 'shape'");
        if (shapeElement.GetArrayLength() > MaxDimensions)
            throw Bad($"shape has {shapeElement.GetArrayLength()} dimensions (at most {MaxDimensions})");
        var shape = new long[shapeElement.GetArrayLength()];
        long elements = 1;
        for (int d = 0; d < shape.Length; d++)
        {
            var dim = shapeElement[d];
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out shape[d]) || shape[d] < 0)
                throw Bad($"shape[{d}] = {dim.GetRawText()} is not a non-negative integer");
            if (shape[d] != 0 && elements > long.MaxValue / shape[d])
                throw Bad($"shape {Text(shape)} overflows");
            elements *= shape[d];
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Bad("missing field 'data_offsets' = [begin, end]");
        if (!TryOffset(offsets[0], out long begin) || !TryOffset(offsets[1], out long end))
            throw Bad($"data_offsets {offsets.GetRawText()} are not non-negative integers");
        if (begin > end || end > dataLength)
            throw Bad($"data_offsets [{begin}, {end}] are outside the data section ({dataLength} bytes)");

        int elementSize = SafeTensorsDTypes.ElementSize(dtype);
        if (elements > long.MaxValue / elementSize || elements * elementSize != end - begin)
            throw Bad($"shape {Text(shape)} of {dtypeName} needs {(elements > long.MaxValue / elementSize ? "more than 2^63" : (elements * elementSize).ToString())} bytes, data_offsets give {end - begin}");

        return new SafeTensorInfo(name, dtype, shape, path, dataOffset + begin, end - begin);
    }

    static bool TryOffset(JsonElement element, out long offset)
    {
        offset = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out offset) && offset >= 0;
    }

    static void CheckNoOverlap(string path, List<SafeTensorInfo> tensors)
    {
        var byOffset = tensors.Where(t => t.ByteSize > 0).OrderBy(t => t.FileOffset).ToList();
        for (int i = 1; i < byOffset.Count; i++)
        {
            var previous = byOffset[i - 1];
            if (previous.FileOffset + previous.ByteSize > byOffset[i].FileOffset)
                throw new ModelFormatException(path, $"tensors '{previous.Name}' and '{byOffset[i].Name}' overlap", 8);
        }
    }

    static string Text(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
