namespace BitNet.Gpu.Tokenizers.Jinja;

/// <summary>
/// The bounds every template stays within while it is parsed and rendered, so a hostile template (from a downloaded
/// model file) fails with a <see cref="ChatTemplateException"/> that names the limit instead of exhausting the stack,
/// memory or time. Real chat templates are far inside them: a few levels of nesting, a few thousand steps per turn.
/// </summary>
static class JinjaLimits
{
    /// <summary>Deepest nesting of statements and expressions (parentheses, operators, filters, if/for blocks).</summary>
    public const int MaxNesting = 100;

    /// <summary>Longest template source, rendered text, or any string or list built while rendering (characters or items).</summary>
    public const int MaxLength = 2 * 1024 * 1024;

    /// <summary>Most steps in one render: each statement executed, expression evaluated and loop iteration is a step.</summary>
    public const int MaxSteps = 1_000_000;

    /// <summary>
    /// Most characters or items one render may read and build in operations (concatenation, comparison, filters, calls,
    /// loops) in total, so a loop that copies or compares large strings stays quick.
    /// </summary>
    public const long MaxHandled = 64L * MaxLength;

    public static ChatTemplateException NestingExceeded() =>
        new($"statements and expressions nest deeper than the limit of {MaxNesting} levels");

    /// <summary>Throws when a string or list of <paramref name="length"/> characters or items would pass <see cref="MaxLength"/>.</summary>
    public static void CheckLength(long length)
    {
        if (length > MaxLength)
            throw new ChatTemplateException($"a string or list of {length:N0} characters or items is longer than the limit of {MaxLength:N0}");
    }
}
