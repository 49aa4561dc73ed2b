namespace BitNet.Gpu.Model.Convert;

/// <summary>
/// The ids of a tokenizer.json may leave holes, which readers fill with placeholder tokens ([PAD{id}]) as llama.cpp's
/// converter does. A few bytes naming one id in the millions would then make a vocabulary of millions of placeholders
/// (seconds of work and hundreds of MB for nothing), so the holes are bounded: at most as many as there are tokens, or
/// <see cref="MaxHolesAnyway"/>.
/// </summary>
public static class TokenIdHoles
{
    /// <summary>Holes allowed whatever the token count: small vocabularies with a few reserved ids stay valid.</summary>
    public const int MaxHolesAnyway = 1024;

    /// <summary>Throws when ids 0..<paramref name="largestId"/> leave more holes than <paramref name="tokens"/> tokens allow.</summary>
    public static void Check(string path, int tokens, int largestId)
    {
        long holes = largestId + 1L - tokens;
        long allowed = Math.Max(MaxHolesAnyway, tokens);
        if (holes > allowed)
            throw new ModelFormatException(path,
                $"token id {largestId} leaves {holes:N0} ids without a token, more than the {allowed:N0} allowed for {tokens:N0} tokens");
    }
}
