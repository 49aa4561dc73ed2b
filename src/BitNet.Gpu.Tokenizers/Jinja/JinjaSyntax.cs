namespace BitNet.Gpu.Tokenizers.Jinja;

// The syntax tree of the Jinja subset chat templates use.

abstract record Node;
sealed record TextNode(string Text) : Node;
sealed record OutputNode(Expr Value) : Node;
sealed record IfNode(IReadOnlyList<(Expr Condition, IReadOnlyList<Node> Body)> Branches, IReadOnlyList<Node> Else) : Node;
sealed record ForNode(IReadOnlyList<string> Targets, Expr Iterable, Expr? Filter, IReadOnlyList<Node> Body, IReadOnlyList<Node> Else) : Node;
/// <summary><c>{% set name = value %}</c> or <c>{% set ns.attr = value %}</c>.</summary>
sealed record SetNode(string Name, string? Attribute, Expr Value) : Node;

abstract record Expr;
sealed record Literal(object? Value) : Expr;
sealed record Name(string Identifier) : Expr;
sealed record ListExpr(IReadOnlyList<Expr> Items) : Expr;
sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Items) : Expr;
sealed record Attribute(Expr Target, string Member) : Expr;
sealed record Index(Expr Target, Expr Key) : Expr;
sealed record Slice(Expr Target, Expr? Start, Expr? Stop) : Expr;
sealed record Call(Expr Callee, IReadOnlyList<Expr> Args, IReadOnlyList<(string Name, Expr Value)> Kwargs) : Expr;
sealed record Filter(Expr Value, string FilterName, IReadOnlyList<Expr> Args) : Expr;
sealed record Test(Expr Value, string TestName, bool Negated) : Expr;
sealed record Unary(string Op, Expr Operand) : Expr;
sealed record Binary(string Op, Expr Left, Expr Right) : Expr;
sealed record Conditional(Expr Then, Expr Condition, Expr? Else) : Expr;
