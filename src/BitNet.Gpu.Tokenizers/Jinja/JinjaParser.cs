namespace BitNet.Gpu.Tokenizers.Jinja;

/// <summary>
/// Recursive-descent parser for the Jinja subset chat templates use: text, <c>{{ expr }}</c>, if/elif/else, for (with
/// loop.*, an optional <c>if</c> filter and else), set (names and namespace attributes). Expressions follow Jinja's
/// precedence: conditional, or, and, not, comparisons/in/is, + -, ~, * / // %, unary minus, then postfix . [] () and |filters.
/// Nesting is bounded (<see cref="JinjaLimits.MaxNesting"/>): the parser's own recursion here, and the depth of the tree
/// it builds (chains such as <c>a + a + …</c> nest without recursing) in the syntax nodes.
/// </summary>
sealed class JinjaParser
{
    readonly List<Segment> _segments;
    int _segment;
    List<Token> _tokens = [];
    int _pos;
    int _depth; // how deeply the parser is recursing into blocks and expressions

    JinjaParser(List<Segment> segments) => _segments = segments;

    public static IReadOnlyList<Node> Parse(string source)
    {
        if (source.Length > JinjaLimits.MaxLength)
            throw new ChatTemplateException($"the template is {source.Length:N0} characters, longer than the limit of {JinjaLimits.MaxLength:N0}");
        var parser = new JinjaParser(JinjaLexer.Segments(source));
        var nodes = parser.Block(out string? end);
        if (end is not null) throw new ChatTemplateException($"'{{% {end} %}}' without a matching opening tag");
        return nodes;
    }

    // Parses nodes until a statement whose first word is in `terminators` (returned in `end`, its tokens left loaded).
    List<Node> Block(out string? end, params string[] terminators)
    {
        using var _ = Deeper();
        var nodes = new List<Node>();
        while (_segment < _segments.Count)
        {
            Segment s = _segments[_segment++];
            if (s.Kind == SegmentKind.Text) { nodes.Add(new TextNode(s.Content)); continue; }
            Load(s);
            if (s.Kind == SegmentKind.Output) { nodes.Add(new OutputNode(Expression())); ExpectEnd(); continue; }

            string keyword = ExpectName();
            if (terminators.Contains(keyword)) { end = keyword; return nodes; }
            nodes.Add(keyword switch
            {
                "if" => If(),
                "for" => For(),
                "set" => Set(),
                _ => throw new ChatTemplateException(keyword.StartsWith("end") || keyword is "else" or "elif"
                    ? $"'{{% {keyword} %}}' without a matching opening tag" : $"unsupported statement '{{% {keyword} %}}'"),
            });
        }
        if (terminators.Length > 0) throw new ChatTemplateException($"template ends before '{{% {terminators[^1]} %}}'");
        end = null;
        return nodes;
    }

    Node If()
    {
        var branches = new List<(Expr, IReadOnlyList<Node>)>();
        Expr condition = Expression();
        ExpectEnd();
        while (true)
        {
            var body = Block(out string? end, "elif", "else", "endif");
            branches.Add((condition, body));
            if (end == "elif") { condition = Expression(); ExpectEnd(); continue; }
            ExpectEnd();
            if (end == "endif") return new IfNode(branches, []);
            var elseBody = Block(out _, "endif");
            ExpectEnd();
            return new IfNode(branches, elseBody);
        }
    }

    Node For()
    {
        var targets = new List<string> { ExpectName() };
        while (Accept(",")) targets.Add(ExpectName());
        if (ExpectName() != "in") throw Error("expected 'in' in for loop");
        Expr iterable = Or(); // not Expression(): a trailing 'if' is the loop filter, not a conditional
        Expr? filter = AcceptName("if") ? Expression() : null;
        ExpectEnd();
        var body = Block(out string? end, "else", "endfor");
        ExpectEnd();
        IReadOnlyList<Node> elseBody = [];
        if (end == "else") { elseBody = Block(out _, "endfor"); ExpectEnd(); }
        return new ForNode(targets, iterable, filter, body, elseBody);
    }

    Node Set()
    {
        string name = ExpectName();
        string? attribute = Accept(".") ? ExpectName() : null;
        Expect("=");
        Expr value = Expression();
        ExpectEnd();
        return new SetNode(name, attribute, value);
    }

    // ---- expressions ----

    Expr Expression()
    {
        using var _ = Deeper();
        Expr value = Or();
        if (!AcceptName("if")) return value;
        Expr condition = Or();
        Expr? otherwise = AcceptName("else") ? Expression() : null;
        return new Conditional(value, condition, otherwise);
    }

    Expr Or()
    {
        Expr left = And();
        while (AcceptName("or")) left = new Binary("or", left, And());
        return left;
    }

    Expr And()
    {
        Expr left = Not();
        while (AcceptName("and")) left = new Binary("and", left, Not());
        return left;
    }

    Expr Not()
    {
        if (!AcceptName("not")) return Compare();
        using var _ = Deeper();
        return new Unary("not", Not());
    }

    Expr Compare()
    {
        Expr left = Sum();
        while (true)
        {
            if (Peek.Kind == TokenKind.Operator && Peek.Text is "==" or "!=" or "<" or ">" or "<=" or ">=")
                left = new Binary(Next().Text, left, Sum());
            else if (AcceptName("in")) left = new Binary("in", left, Sum());
            else if (Peek.Kind == TokenKind.Name && Peek.Text == "not" && PeekAt(1).Text == "in")
            {
                _pos += 2;
                left = new Unary("not", new Binary("in", left, Sum()));
            }
            else return left;
        }
    }

    Expr Sum()
    {
        Expr left = Concat();
        while (Peek.Kind == TokenKind.Operator && Peek.Text is "+" or "-") left = new Binary(Next().Text, left, Concat());
        return left;
    }

    Expr Concat()
    {
        Expr left = Product();
        while (Accept("~")) left = new Binary("~", left, Product());
        return left;
    }

    Expr Product()
    {
        Expr left = UnaryMinus();
        while (Peek.Kind == TokenKind.Operator && Peek.Text is "*" or "/" or "//" or "%") left = new Binary(Next().Text, left, UnaryMinus());
        return left;
    }

    Expr UnaryMinus()
    {
        if (!Accept("-")) return FiltersAndTests(Postfix(Primary()));
        using var _ = Deeper();
        return new Unary("-", UnaryMinus());
    }

    Expr FiltersAndTests(Expr value)
    {
        while (true)
        {
            if (Accept("|"))
            {
                string name = ExpectName();
                value = new Filter(value, name, Accept("(") ? Arguments(out _) : []);
            }
            else if (AcceptName("is"))
            {
                bool negated = AcceptName("not");
                string test = ExpectName();
                value = new Test(value, test, negated);
            }
            else return value;
        }
    }

    Expr Postfix(Expr value)
    {
        while (true)
        {
            if (Accept(".")) value = new Attribute(value, ExpectName());
            else if (Accept("["))
            {
                Expr? start = Peek.Text == ":" ? null : Expression();
                if (Accept(":"))
                {
                    Expr? stop = Peek.Text == "]" ? null : Expression();
                    value = new Slice(value, start, stop);
                }
                else value = new Index(value, start!);
                Expect("]");
            }
            else if (Accept("("))
            {
                var args = Arguments(out var kwargs);
                value = new Call(value, args, kwargs);
            }
            else return value;
        }
    }

    // After '(' : positional and keyword arguments up to ')'.
    List<Expr> Arguments(out List<(string, Expr)> kwargs)
    {
        var args = new List<Expr>();
        kwargs = [];
        while (!Accept(")"))
        {
            if (args.Count + kwargs.Count > 0) Expect(",");
            if (Peek.Kind == TokenKind.Name && PeekAt(1).Text == "=")
            {
                string name = Next().Text;
                _pos++;
                kwargs.Add((name, Expression()));
            }
            else args.Add(Expression());
        }
        return args;
    }

    Expr Primary()
    {
        Token t = Next();
        switch (t.Kind)
        {
            case TokenKind.String:
                var s = new System.Text.StringBuilder(t.Text);
                while (Peek.Kind == TokenKind.String) s.Append(Next().Text); // adjacent literals concatenate
                return new Literal(s.ToString());
            case TokenKind.Integer:
                return long.TryParse(t.Text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n)
                    ? new Literal(n) : throw Error($"integer {t.Text} is out of range (at most {long.MaxValue})", t);
            case TokenKind.Name:
                return t.Text switch
                {
                    "true" or "True" => new Literal(true),
                    "false" or "False" => new Literal(false),
                    "none" or "None" => new Literal(null),
                    _ => new Name(t.Text),
                };
            case TokenKind.Operator when t.Text == "(":
                Expr inner = Expression();
                Expect(")");
                return inner;
            case TokenKind.Operator when t.Text == "[":
                var items = new List<Expr>();
                while (!Accept("]")) { if (items.Count > 0) Expect(","); items.Add(Expression()); }
                return new ListExpr(items);
            case TokenKind.Operator when t.Text == "{":
                var pairs = new List<(Expr, Expr)>();
                while (!Accept("}")) { if (pairs.Count > 0) Expect(","); Expr key = Expression(); Expect(":"); pairs.Add((key, Expression())); }
                return new DictExpr(pairs);
            default:
                throw Error($"unexpected '{(t.Kind == TokenKind.End ? "end of tag" : t.Text)}'", t);
        }
    }

    // ---- token helpers ----

    DepthGuard Deeper()
    {
        if (++_depth > JinjaLimits.MaxNesting) throw Error(JinjaLimits.NestingExceeded().Message);
        return new DepthGuard(this);
    }

    readonly struct DepthGuard(JinjaParser parser) : IDisposable
    {
        public void Dispose() => parser._depth--;
    }

    void Load(Segment s) { _tokens = JinjaLexer.Tokens(s.Content, s.Offset); _pos = 0; }
    Token Peek => _tokens[_pos];
    Token PeekAt(int ahead) => _tokens[Math.Min(_pos + ahead, _tokens.Count - 1)];
    Token Next() => _tokens[_pos].Kind == TokenKind.End ? _tokens[_pos] : _tokens[_pos++];

    bool Accept(string op)
    {
        if (Peek.Kind != TokenKind.Operator || Peek.Text != op) return false;
        _pos++;
        return true;
    }

    bool AcceptName(string name)
    {
        if (Peek.Kind != TokenKind.Name || Peek.Text != name) return false;
        _pos++;
        return true;
    }

    void Expect(string op) { if (!Accept(op)) throw Error($"expected '{op}'"); }

    string ExpectName() => Peek.Kind == TokenKind.Name ? Next().Text : throw Error("expected a name");

    void ExpectEnd() { if (Peek.Kind != TokenKind.End) throw Error($"unexpected '{Peek.Text}'"); }

    ChatTemplateException Error(string message, Token? at = null) =>
        new($"{message} at offset {(at ?? Peek).Offset}");
}
