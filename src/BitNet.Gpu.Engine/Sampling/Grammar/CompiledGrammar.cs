namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// A grammar in llama.cpp's GBNF notation, made ready to hold generated text to it: with
/// <see cref="Generation.GenerationRequest.Grammar"/> every token that would take the text off the grammar is never
/// drawn, and the end of generation only comes where <c>root</c> can end. Compile once and share: it is immutable.
/// <para>
/// Held as llama.cpp holds it: rules of alternatives (<c>|</c>) of literals, character classes, <c>.</c>, rule names,
/// groups and repetitions (<c>* + ? {m} {m,} {m,n}</c>), over Unicode characters. A left-recursive rule (one that can
/// reach itself before reading a character) is refused, as are undefined rules and a grammar without <c>root</c>.
/// </para>
/// </summary>
/// <example><c>var grammar = CompiledGrammar.Parse("root ::= \"yes\" | \"no\"");</c></example>
public sealed class CompiledGrammar
{
    CompiledGrammar(string text, GrammarSymbol[][][] rules, int root) => (Text, Rules, Root) = (text, rules, root);

    /// <summary>The grammar as given.</summary>
    public string Text { get; }

    /// <summary>Per rule, its alternatives; each a sequence of symbols (empty: the rule may match nothing).</summary>
    internal GrammarSymbol[][][] Rules { get; }

    /// <summary>The rule the text starts with.</summary>
    internal int Root { get; }

    /// <summary>Compiles a GBNF grammar.</summary>
    /// <exception cref="ArgumentException">A grammar that cannot be read or held; the message names the line and column, or the rule.</exception>
    public static CompiledGrammar Parse(string gbnf)
    {
        ArgumentNullException.ThrowIfNull(gbnf);
        var (rules, names, root) = GbnfParser.Parse(gbnf);
        CheckNoLeftRecursion(rules, names);
        var grammar = new CompiledGrammar(gbnf, rules, root);
        _ = new GrammarMatcher(grammar); // its start: refused here where it opens too many parses
        return grammar;
    }

    /// <summary>
    /// Refuses a rule that can reach itself through leftmost symbols that may match nothing: following it would never
    /// read a character (llama.cpp refuses these too).
    /// </summary>
    static void CheckNoLeftRecursion(GrammarSymbol[][][] rules, string[] names)
    {
        var nullable = Nullable(rules);
        // leftmost[r]: the rules r can start with before reading a character.
        var leftmost = new List<int>[rules.Length];
        for (int r = 0; r < rules.Length; r++)
        {
            leftmost[r] = [];
            foreach (var alt in rules[r])
                foreach (var symbol in alt)
                {
                    if (symbol.IsCharacters) break;
                    leftmost[r].Add(symbol.Rule);
                    if (!nullable[symbol.Rule]) break;
                }
        }
        // A depth-first search for a cycle, with its own stack (a chain of rules can be as long as the grammar).
        var state = new byte[rules.Length]; // 0 unvisited, 1 on the path, 2 done
        var path = new List<(int Rule, int NextEdge)>();
        for (int start = 0; start < rules.Length; start++)
        {
            if (state[start] != 0) continue;
            state[start] = 1;
            path.Add((start, 0));
            while (path.Count > 0)
            {
                var (r, edge) = path[^1];
                if (edge == leftmost[r].Count) { state[r] = 2; path.RemoveAt(path.Count - 1); continue; }
                path[^1] = (r, edge + 1);
                int next = leftmost[r][edge];
                if (state[next] == 1)
                {
                    var cycle = path.Select(p => p.Rule).SkipWhile(p => p != next).ToList();
                    string named = cycle.Select(i => names[i]).FirstOrDefault(n => !n.StartsWith('('), names[next]);
                    string what = named.StartsWith('(') ? named[1..^1] : $"rule '{named}'";
                    throw new ArgumentException($"grammar: {what} is left-recursive (it can reach itself before reading a character: a repetition of something that may be empty, such as (x?)*, is one)");
                }
                if (state[next] == 0) { state[next] = 1; path.Add((next, 0)); }
            }
        }
    }

    /// <summary>The rules that can match nothing, found with a work list (each alternative counts its symbols not yet known nullable).</summary>
    static bool[] Nullable(GrammarSymbol[][][] rules)
    {
        var nullable = new bool[rules.Length];
        var waiting = new int[rules.Sum(r => r.Length)];                 // per alternative: symbols not yet known nullable
        var owner = new (int Rule, int Alternative)[waiting.Length];
        var users = Enumerable.Range(0, rules.Length).Select(_ => new List<int>()).ToArray(); // rule → alternatives that refer to it
        var known = new Queue<int>();
        int index = 0;
        for (int r = 0; r < rules.Length; r++)
            for (int a = 0; a < rules[r].Length; a++, index++)
            {
                owner[index] = (r, a);
                var alt = rules[r][a];
                waiting[index] = alt.Any(s => s.IsCharacters) ? -1 : alt.Length; // −1: never nullable
                if (waiting[index] > 0) foreach (var symbol in alt) users[symbol.Rule].Add(index);
                if (waiting[index] == 0 && !nullable[r]) { nullable[r] = true; known.Enqueue(r); }
            }
        while (known.Count > 0)
            foreach (int alternative in users[known.Dequeue()])
            {
                if (waiting[alternative] <= 0 || --waiting[alternative] > 0) continue;
                int r = owner[alternative].Rule;
                if (!nullable[r]) { nullable[r] = true; known.Enqueue(r); }
            }
        return nullable;
    }
}
