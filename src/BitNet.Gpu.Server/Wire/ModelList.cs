using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>The answer to GET /v1/models: the one model this server runs.</summary>
internal sealed record ModelList([property: JsonPropertyName("data")] IReadOnlyList<ModelCard> Data)
{
    [JsonPropertyName("object")] public string Object => "list";
}

/// <summary>A model in <see cref="ModelList"/>.</summary>
internal sealed record ModelCard(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created)
{
    [JsonPropertyName("object")] public string Object => "model";
    [JsonPropertyName("owned_by")] public string OwnedBy => "bitnet-gpu";
}
