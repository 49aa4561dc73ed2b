namespace BitNet.Gpu.Tokenizers.Jinja;

// The syntax tree of the Jinja subset chat templates use. Every node knows its depth (1 for a leaf) and a node deeper
// than JinjaLimits.MaxNesting cannot be built, so the interpreter's recursion over a parsed tree is bounded.

abstract record Node
{
    public int Depth { get; }

    protected Node(IEnumerable<Expr> expressions, IEnumerable<Node> children) =>
        Depth = CheckedDepth(Math.Max(expressions.Select(e => e.Depth).DefaultIfEmpty().Max(), children.Select(c => c.Depth).DefaultIfEmpty().Max()));

    internal static int CheckedDepth(int deepestChild) =>
        deepestChild < JinjaLimits.MaxNesting ? deepestChild + 1 : throw JinjaLimits.NestingExceeded();
}

sealed record TextNode(string Text) : Node([], []);
sealed record OutputNode(Expr Value) : Node([Value], []);
sealed record IfNode(IReadOnlyList<(Expr Condition, IReadOnlyList<Node> Body)> Branches, IReadOnlyList<Node> Else)
    : Node(Branches.Select(b => b.Condition), [.. Branches.SelectMany(b => b.Body), .. Else]);
sealed record ForNode(IReadOnlyList<string> Targets, Expr Iterable, Expr? Filter, IReadOnlyList<Node> Body, IReadOnlyList<Node> Else)
    : Node(Filter is null ? [Iterable] : [Iterable, Filter], [.. Body, .. Else]);
/// <summary><c>{% set name = value %}</c> or <c>{% set ns.attr = value %}</c>.</summary>
sealed record SetNode(string Name, string? Attribute, Expr Value) : Node([Value], []);

abstract record Expr
{
    public int Depth { get; }

    protected Expr(params IEnumerable<Expr?> children) =>
        Depth = Node.CheckedDepth(children.Select(c => c?.Depth ?? 0).DefaultIfEmpty().Max());
}

sealed record Literal(object? Value) : Expr();
sealed record Name(string Identifier) : Expr();
sealed record ListExpr(IReadOnlyList<Expr> Items) : Expr(Items);
sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Items) : Expr(Items.SelectMany(p => new[] { p.Key, p.Value }));
sealed record Attribute(Expr Target, string Member) : Expr(Target);
sealed record Index(Expr Target, Expr Key) : Expr(Target, Key);
sealed record Slice(Expr Target, Expr? Start, Expr? Stop) : Expr(Target, Start, Stop);
sealed record Call(Expr Callee, IReadOnlyList<Expr> Args, IReadOnlyList<(string Name, Expr Value)> Kwargs)
    : Expr([Callee, .. Args, .. Kwargs.Select(k => k.Value)]);
sealed record Filter(Expr Value, string FilterName, IReadOnlyList<Expr> Args) : Expr([Value, .. Args]);
sealed record Test(Expr Value, string TestName, bool Negated) : Expr(Value);
sealed record Unary(string Op, Expr Operand) : Expr(Operand);
sealed record Binary(string Op, Expr Left, Expr Right) : Expr(Left, Right);
sealed record Conditional(Expr Then, Expr Condition, Expr? Else) : Expr(Then, Condition, Else);
