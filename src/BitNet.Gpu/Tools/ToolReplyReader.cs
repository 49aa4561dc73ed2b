using System.Text;

namespace BitNet.Gpu;

/// <summary>
/// Reads an answer in a <see cref="ToolCallFormat"/> as it is generated, so that it can be streamed: the text of
/// <c>{"response": "..."}</c> decoded piece by piece, and each call as soon as its tool's name is read, then its
/// arguments' JSON text as it comes. <see cref="Finish"/> gives the whole reply, the same as
/// <see cref="ToolCallFormat.Parse"/> of the same text, with the ids the calls were announced with.
/// <code>var reader = new ToolReplyReader();
/// await foreach (var piece in model.CompleteStreamingAsync(prompt, options))
///     foreach (var delta in reader.Read(piece))
///         if (delta is ToolTextDelta text) Console.Write(text.Text);
/// ToolReply reply = reader.Finish();</code>
/// </summary>
/// <remarks>
/// An answer cut short (by the token limit) reads as far as it came: the text so far, or the calls so far with the last
/// one's arguments possibly cut. Text that is not the format (it cannot be, under the format's schema, unless cut) is
/// given whole as the reply's content, and nothing more is streamed once that is seen.
/// </remarks>
public sealed class ToolReplyReader
{
    enum Place
    {
        Start, RootKey, RootKeyText, RootColon, ResponseOpen, ResponseText, CallsOpen, ItemOpen, ItemKey, ItemKeyText,
        ItemColon, ArgumentsStart, Arguments, ArgumentsScalar, ItemClose, AfterItem, RootClose, Done, NotTheFormat,
    }

    readonly StringBuilder _raw = new();
    readonly StringBuilder _text = new();
    readonly List<(string Id, string Name, StringBuilder Arguments)> _calls = [];
    readonly JsonStringDecoder _string = new();
    readonly StringBuilder _key = new();
    Place _place;
    int _depth;                   // of the arguments' brackets
    bool _inString, _escaped;     // within a string of the arguments
    int _textSent;                // characters of _text already given out
    int _argumentsSent;           // characters of the last call's arguments already given out

    /// <summary>True once the answer is whole: one object of the format, closed.</summary>
    public bool IsComplete => _place == Place.Done;

    /// <summary>Reads the next piece of the answer; returns what it adds: text, a call's start, a call's arguments.</summary>
    public IReadOnlyList<ToolReplyDelta> Read(string piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        var deltas = new List<ToolReplyDelta>();
        _raw.Append(piece);
        foreach (char c in piece)
        {
            if (_place == Place.NotTheFormat) break;
            Step(c, deltas);
        }
        FlushText(deltas);
        FlushArguments(deltas);
        return deltas;
    }

    /// <summary>The reply so far: the text, or the calls (with the ids they were announced with); text that is not the
    /// format is the content as it came.</summary>
    public ToolReply Finish() => _place switch
    {
        Place.NotTheFormat => new ToolReply(_raw.ToString(), []),
        _ when _calls.Count > 0 => new ToolReply(null, [.. _calls.Select(c => new ToolCall(c.Id, c.Name, c.Arguments.ToString()))]),
        _ => new ToolReply(_text.ToString(), []),
    };

    void Step(char c, List<ToolReplyDelta> deltas)
    {
        switch (_place)
        {
            case Place.Start: Expect(c, '{', Place.RootKey); break;
            case Place.RootKey: Expect(c, '"', Place.RootKeyText); break;
            case Place.RootKeyText: ReadString(c, _key, Place.RootColon); break;
            case Place.RootColon:
                if (Expect(c, ':', Place.RootColon))
                    _place = _key.ToString() switch { "response" => Place.ResponseOpen, "tool_calls" => Place.CallsOpen, _ => Place.NotTheFormat };
                break;
            case Place.ResponseOpen: Expect(c, '"', Place.ResponseText); break;
            case Place.ResponseText: ReadString(c, _text, Place.RootClose); break;
            case Place.CallsOpen: Expect(c, '[', Place.ItemOpen); break;
            case Place.ItemOpen: Expect(c, '{', Place.ItemKey); break;
            case Place.ItemKey:
                if (Expect(c, '"', Place.ItemKeyText)) _key.Clear();
                break;
            case Place.ItemKeyText:
                if (!ReadString(c, _key, Place.ItemColon)) break;
                FlushArguments(deltas);
                _calls.Add((ToolCallFormat.NewCallId(), _key.ToString(), new StringBuilder()));
                _argumentsSent = 0;
                deltas.Add(new ToolCallStartDelta(_calls.Count - 1, _calls[^1].Id, _calls[^1].Name));
                break;
            case Place.ItemColon: Expect(c, ':', Place.ArgumentsStart); break;
            case Place.ArgumentsStart:
                if (IsSpace(c)) break;
                _calls[^1].Arguments.Append(c);
                (_depth, _inString, _escaped) = (c is '{' or '[' ? 1 : 0, c == '"', false);
                _place = c is '{' or '[' or '"' ? Place.Arguments : Place.ArgumentsScalar;
                break;
            case Place.Arguments:
                _calls[^1].Arguments.Append(c);
                if (ArgumentsEnd(c)) _place = Place.ItemClose;
                break;
            case Place.ArgumentsScalar: // a number, true, false or null: it ends where the next token starts
                if (IsSpace(c) || c is ',' or '}' or ']')
                {
                    _place = Place.ItemClose;
                    Step(c, deltas);
                }
                else _calls[^1].Arguments.Append(c);
                break;
            case Place.ItemClose: Expect(c, '}', Place.AfterItem); break;
            case Place.AfterItem:
                if (c == ',') _place = Place.ItemOpen;
                else Expect(c, ']', Place.RootClose);
                break;
            case Place.RootClose: Expect(c, '}', Place.Done); break;
            case Place.Done: Expect(c, '\0', Place.Done); break; // only whitespace may follow
        }
    }

    /// <summary>Reads a character of a string into <paramref name="output"/>; true when the string closed (then at <paramref name="next"/>).</summary>
    bool ReadString(char c, StringBuilder output, Place next)
    {
        switch (_string.Read(c, output))
        {
            case StringStep.Closed:
                _place = next;
                return true;
            case StringStep.Invalid:
                _place = Place.NotTheFormat;
                break;
        }
        return false;
    }

    /// <summary>Whether <paramref name="c"/> closes the arguments' value (tracking strings and brackets).</summary>
    bool ArgumentsEnd(char c)
    {
        if (_inString)
        {
            if (_escaped) _escaped = false;
            else if (c == '\\') _escaped = true;
            else if (c == '"') _inString = false;
            return !_inString && _depth == 0;
        }
        if (c == '"') _inString = true;
        else if (c is '{' or '[') _depth++;
        else if (c is '}' or ']') _depth--;
        return _depth == 0;
    }

    /// <summary>Whitespace is passed over; <paramref name="wanted"/> moves on to <paramref name="next"/>; anything else is not the format.</summary>
    bool Expect(char c, char wanted, Place next)
    {
        if (IsSpace(c)) return false;
        if (c == wanted)
        {
            _place = next;
            return true;
        }
        _place = Place.NotTheFormat;
        return false;
    }

    static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r';

    void FlushText(List<ToolReplyDelta> deltas)
    {
        int end = _text.Length;
        if (end > _textSent && char.IsHighSurrogate(_text[end - 1])) end--; // a pair is given out whole
        if (end <= _textSent || _place == Place.NotTheFormat) return;
        deltas.Add(new ToolTextDelta(_text.ToString(_textSent, end - _textSent)));
        _textSent = end;
    }

    void FlushArguments(List<ToolReplyDelta> deltas)
    {
        if (_calls.Count == 0 || _place == Place.NotTheFormat) return;
        var arguments = _calls[^1].Arguments;
        if (arguments.Length <= _argumentsSent) return;
        deltas.Add(new ToolArgumentsDelta(_calls.Count - 1, arguments.ToString(_argumentsSent, arguments.Length - _argumentsSent)));
        _argumentsSent = arguments.Length;
    }

    enum StringStep { More, Closed, Invalid }

    /// <summary>Decodes one JSON string's characters as they come (after its opening quote): escapes, \u with surrogate pairs.</summary>
    sealed class JsonStringDecoder
    {
        int _hexLeft = -1;  // -1: not in an escape; 0: just after a backslash; 1..4: hex digits still to read
        int _code;

        /// <summary>Adds what <paramref name="c"/> decodes to <paramref name="output"/>.</summary>
        public StringStep Read(char c, StringBuilder output)
        {
            if (_hexLeft > 0)
            {
                if (!char.IsAsciiHexDigit(c)) return StringStep.Invalid;
                _code = _code * 16 + Convert.ToInt32(c.ToString(), 16);
                if (--_hexLeft == 0)
                {
                    output.Append((char)_code);
                    _hexLeft = -1;
                }
                return StringStep.More;
            }
            if (_hexLeft == 0)
            {
                _hexLeft = -1;
                char? decoded = c switch { 'n' => '\n', 't' => '\t', 'r' => '\r', 'b' => '\b', 'f' => '\f', '"' or '\\' or '/' => c, _ => null };
                if (c == 'u') (_hexLeft, _code) = (4, 0);
                else if (decoded is { } d) output.Append(d);
                else return StringStep.Invalid;
                return StringStep.More;
            }
            if (c == '\\')
            {
                _hexLeft = 0;
                return StringStep.More;
            }
            if (c == '"') return StringStep.Closed;
            output.Append(c);
            return StringStep.More;
        }
    }
}

/// <summary>What a piece of a tool-format answer adds (see <see cref="ToolReplyReader"/>).</summary>
public abstract record ToolReplyDelta;

/// <summary>More of the answer's text.</summary>
public sealed record ToolTextDelta(string Text) : ToolReplyDelta;

/// <summary>A call starts: its place among the answer's calls, its id and the tool's name.</summary>
public sealed record ToolCallStartDelta(int Index, string Id, string Name) : ToolReplyDelta;

/// <summary>More of a call's arguments' JSON text.</summary>
public sealed record ToolArgumentsDelta(int Index, string Text) : ToolReplyDelta;
