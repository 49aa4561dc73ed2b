using System.Text;
using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Fuzz;

/// <summary>
/// The input (as UTF-8) as a GBNF grammar: compiled (<see cref="CompiledGrammar.Parse"/>: rules, literals, classes,
/// escapes, groups and repetitions written out, the left-recursion check), then a few texts, with multi-byte and cut
/// characters, pushed through its matcher byte by byte until it refuses one; at each byte, whether the rest is taken
/// is asked the mask's way (Takes) and read the way a drawn token is (Push), and the two must agree. Allowed:
/// <see cref="ArgumentException"/>, the parser's refusals.
/// </summary>
static class GbnfTarget
{
    static readonly byte[][] Texts =
    [
        "yes, 42."u8.ToArray(),
        "{\"a\": [1, \"x\\u00e9\"], \"b\": null}\n"u8.ToArray(),
        "abc ABC 123 é日😀 (()) -_.!?"u8.ToArray(),
        [(byte)'a', 0xE6, 0x97, (byte)'b', 0xC3, 0xA9, 0xFF, (byte)'c'],
    ];

    public static void Run(byte[] input)
    {
        CompiledGrammar grammar;
        try { grammar = CompiledGrammar.Parse(Encoding.UTF8.GetString(input)); }
        catch (ArgumentException) { return; }

        foreach (var text in Texts)
        {
            var state = new GrammarText(new GrammarMatcher(grammar));
            for (int at = 0; at < text.Length; at++)
            {
                bool takesRest = state.Takes(text.AsSpan(at));
                var copy = state;
                bool pushesRest = true;
                for (int i = at; i < text.Length && pushesRest; i++) pushesRest = copy.Push(text[i]);
                if (takesRest != pushesRest) throw new InvalidOperationException($"Takes says {takesRest}, Push {pushesRest}, for the text from byte {at}");
                _ = state.MayEnd;
                _ = state.IsComplete;
                if (!state.Push(text[at])) break;
            }
        }
    }
}
