using System.Text;
using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Fuzz;

/// <summary>
/// The input (as UTF-8) as a JSON Schema for structured output: compiled (<see cref="CompiledJsonSchema.Parse"/>, its
/// keywords, $refs and patterns read into automata), then each of a few JSON texts, with strings in every form a pattern
/// reads (escapes, multi-byte and cut characters), pushed through the schema's automaton byte by byte until it refuses
/// one; at each byte, whether the rest is taken is asked the mask's way (Takes) and read the way a drawn token is
/// (Push), and the two must agree. Allowed: <see cref="ArgumentException"/> and <see cref="NotSupportedException"/>,
/// the compiler's refusals.
/// </summary>
static class JsonSchemaTarget
{
    static readonly byte[][] Texts =
    [
        """{"a":"2024-02-29","b":"AB-123","c":[1,"x\u00e9\n\"\/日😀"],"d":{"e":null,"f":-12.5e3},"g":true}"""u8.ToArray(),
        """{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","when":"2026-12-07T10:00:00.5+01:00","at":"23:59:59","n":7}"""u8.ToArray(),
        """{"x":"\ud83d\ude00\u0000é","y":[[],{}],"z":"abc"}"""u8.ToArray(),
        [(byte)'{', (byte)'"', (byte)'s', (byte)'"', (byte)':', (byte)'"', 0xE6, 0x97, (byte)'"', (byte)'}'],
        """{"shape":{"kind":"square","s":3},"pet":{"t":"dog","b":[1]},"v":"ab","items":[{"t":"cat","n":""},{}]}"""u8.ToArray(),
        """{"u":["a","\u0061",1,-0,0,true,true],"c":["x","x"]}"""u8.ToArray(),
    ];

    public static void Run(byte[] input)
    {
        CompiledJsonSchema schema;
        try { schema = CompiledJsonSchema.Parse(Encoding.UTF8.GetString(input)); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException) { return; }

        foreach (var text in Texts)
        {
            var json = new JsonSchemaChoices(schema.Root);
            for (int at = 0; at < text.Length; at++)
            {
                // The mask's question (Takes) must get Accept's answer (Push): else a token left would throw.
                bool takesRest = json.Takes(text.AsSpan(at));
                var copy = json;
                bool pushesRest = true;
                for (int i = at; i < text.Length && pushesRest; i++) pushesRest = copy.Push(text[i]);
                if (takesRest != pushesRest) throw new InvalidOperationException($"Takes says {takesRest}, Push {pushesRest}, for the text from byte {at}");
                if (!json.Push(text[at])) break;
            }
            _ = json.PlainTextRoom;
            _ = json.PlainTextPattern;
        }
    }
}
