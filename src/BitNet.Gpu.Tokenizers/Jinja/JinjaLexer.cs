using System.Text;

namespace BitNet.Gpu.Tokenizers.Jinja;

/// <summary>A piece of template source: literal text, or the inside of a <c>{{ }}</c> / <c>{% %}</c> tag.</summary>
readonly record struct Segment(SegmentKind Kind, string Content, int Offset);

enum SegmentKind { Text, Output, Statement }

enum TokenKind { Name, String, Integer, Operator, End }

readonly record struct Token(TokenKind Kind, string Text, int Offset);

/// <summary>
/// Splits template source into segments and tag contents into tokens. Whitespace control follows Hugging Face's
/// chat-template environment: <c>{%-</c>/<c>-%}</c> strip whitespace beside a tag, and trim_blocks / lstrip_blocks are on
/// (a newline after a block tag is dropped, and spaces before a block tag at the start of a line).
/// </summary>
static class JinjaLexer
{
    public static List<Segment> Segments(string source)
    {
        var segments = new List<Segment>();
        var text = new StringBuilder();
        bool trimNext = false, trimNewline = false;
        int pos = 0;
        while (pos < source.Length)
        {
            int open = source.IndexOf('{', pos);
            while (open >= 0 && open + 1 < source.Length && source[open + 1] is not ('{' or '%' or '#'))
                open = source.IndexOf('{', open + 1);
            if (open < 0 || open + 1 >= source.Length) open = source.Length;

            AddText(source[pos..open]);
            if (open == source.Length) break;

            char kind = source[open + 1];
            string close = kind switch { '{' => "}}", '%' => "%}", _ => "#}" };
            int end = source.IndexOf(close, open + 2, StringComparison.Ordinal);
            if (end < 0) throw new ChatTemplateException($"tag opened at offset {open} is never closed with '{close}'");
            string inner = source[(open + 2)..end];
            bool stripBefore = inner.StartsWith('-'), stripAfter = inner.EndsWith('-') && inner.Length > 1;
            if (stripBefore) inner = inner[1..];
            if (stripAfter) inner = inner[..^1];
            bool block = kind != '{';

            if (stripBefore) TrimEnd(text, all: true);
            else if (block) TrimEnd(text, all: false); // lstrip_blocks
            Flush();
            if (kind != '#') segments.Add(new Segment(kind == '{' ? SegmentKind.Output : SegmentKind.Statement, inner.Trim(), open));

            trimNext = stripAfter;
            trimNewline = block; // trim_blocks
            pos = end + 2;
        }
        Flush();
        return segments;

        void AddText(string s)
        {
            if (trimNext) s = s.TrimStart();
            else if (trimNewline && s.StartsWith('\n')) s = s[1..];
            trimNext = trimNewline = false;
            text.Append(s);
        }

        void Flush()
        {
            if (text.Length > 0) segments.Add(new Segment(SegmentKind.Text, text.ToString(), -1));
            text.Clear();
        }
    }

    // all: strip all trailing whitespace; otherwise only spaces/tabs back to a line start (lstrip_blocks).
    static void TrimEnd(StringBuilder text, bool all)
    {
        int i = text.Length;
        while (i > 0 && (all ? char.IsWhiteSpace(text[i - 1]) : text[i - 1] is ' ' or '\t')) i--;
        if (all || i == 0 || text[i - 1] == '\n') text.Length = i;
    }

    static readonly string[] Operators = ["==", "!=", "<=", ">=", "//", "**", "+", "-", "*", "/", "%", "~", "|", ".", ",", ":", "(", ")", "[", "]", "{", "}", "<", ">", "="];

    public static List<Token> Tokens(string expression, int offset)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (true)
        {
            while (i < expression.Length && char.IsWhiteSpace(expression[i])) i++;
            if (i >= expression.Length) break;
            char c = expression[i];
            int start = i;
            if (char.IsLetter(c) || c == '_')
            {
                while (i < expression.Length && (char.IsLetterOrDigit(expression[i]) || expression[i] == '_')) i++;
                tokens.Add(new Token(TokenKind.Name, expression[start..i], offset + start));
            }
            else if (char.IsAsciiDigit(c))
            {
                while (i < expression.Length && char.IsAsciiDigit(expression[i])) i++;
                tokens.Add(new Token(TokenKind.Integer, expression[start..i], offset + start));
            }
            else if (c is '\'' or '"')
            {
                tokens.Add(new Token(TokenKind.String, ReadString(expression, ref i, offset), offset + start));
            }
            else
            {
                string? op = Operators.FirstOrDefault(o => string.CompareOrdinal(expression, i, o, 0, o.Length) == 0);
                if (op is null) throw new ChatTemplateException($"unexpected character '{c}' at offset {offset + i}");
                tokens.Add(new Token(TokenKind.Operator, op, offset + start));
                i += op.Length;
            }
        }
        tokens.Add(new Token(TokenKind.End, "", offset + expression.Length));
        return tokens;
    }

    static string ReadString(string s, ref int i, int offset)
    {
        char quote = s[i++];
        var value = new StringBuilder();
        while (i < s.Length && s[i] != quote)
        {
            char c = s[i++];
            if (c != '\\' || i >= s.Length) { value.Append(c); continue; }
            char e = s[i++];
            value.Append(e switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', _ => e });
        }
        if (i >= s.Length) throw new ChatTemplateException($"string starting at offset {offset} is not closed");
        i++;
        return value.ToString();
    }
}
