using System.Text;

namespace BitNet.Gpu.Tokenizers.Jinja;

/// <summary>A function value a template can call: positional and keyword arguments in, a value out.</summary>
delegate object? JinjaFunction(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs);

/// <summary>The object <c>namespace(...)</c> returns: attributes that <c>{% set ns.x = ... %}</c> may change from inside a loop.</summary>
sealed class JinjaNamespace : Dictionary<string, object?>;

/// <summary>
/// Renders a parsed template. Values are null (undefined/none), bool, long, string, lists, string-keyed dictionaries,
/// namespaces and functions. As in Jinja, a for loop body is its own scope each iteration, so a plain
/// <c>set</c> inside it does not outlive the iteration. A render stays within <see cref="JinjaLimits"/>: its nesting, the
/// length of the output and of every string or list it builds, its steps, and the characters it builds in total.
/// </summary>
sealed class JinjaInterpreter
{
    readonly List<Dictionary<string, object?>> _scopes = [];
    readonly StringBuilder _output = new();
    int _depth, _steps;
    long _handled;

    public static string Render(IReadOnlyList<Node> template, Dictionary<string, object?> variables)
    {
        var interpreter = new JinjaInterpreter();
        interpreter._scopes.Add(new Dictionary<string, object?>
        {
            ["raise_exception"] = (JinjaFunction)((args, _) =>
                throw new ChatTemplateException($"the template raised an error: {JinjaValues.ToText(args.FirstOrDefault())}") { RaisedByTemplate = true }),
            ["namespace"] = (JinjaFunction)((_, kwargs) =>
            {
                var ns = new JinjaNamespace();
                foreach (var (k, v) in kwargs) ns[k] = v;
                return ns;
            }),
        });
        interpreter._scopes.Add(variables);
        interpreter.Execute(template);
        return interpreter._output.ToString();
    }

    void Execute(IReadOnlyList<Node> nodes)
    {
        foreach (var node in nodes) Execute(node);
    }

    void Execute(Node node)
    {
        using var _ = Enter();
        switch (node)
        {
            case TextNode t: Write(t.Text); break;
            case OutputNode o: Write(JinjaValues.ToText(Evaluate(o.Value))); break;
            case IfNode i:
                foreach (var (condition, body) in i.Branches)
                    if (JinjaValues.IsTrue(Evaluate(condition))) { Execute(body); return; }
                Execute(i.Else);
                break;
            case ForNode f: ExecuteFor(f); break;
            case SetNode s: ExecuteSet(s); break;
        }
    }

    void Write(string text)
    {
        JinjaLimits.CheckLength((long)_output.Length + text.Length);
        _output.Append(text);
    }

    // One step deeper: counts the step and bounds the recursion (a parsed tree is already within MaxNesting, values
    // written as JSON are bounded in JinjaBuiltins.ToJson; this keeps the interpreter itself bounded too).
    DepthGuard Enter()
    {
        Step();
        if (++_depth > JinjaLimits.MaxNesting) throw JinjaLimits.NestingExceeded();
        return new DepthGuard(this);
    }

    readonly struct DepthGuard(JinjaInterpreter interpreter) : IDisposable
    {
        public void Dispose() => interpreter._depth--;
    }

    void Step()
    {
        if (++_steps > JinjaLimits.MaxSteps)
            throw new ChatTemplateException($"rendering takes more than the limit of {JinjaLimits.MaxSteps:N0} steps (statements, expressions and loop iterations)");
    }

    // What an operation built: within the length limit, and counted as handled.
    object? Built(object? value)
    {
        JinjaLimits.CheckLength(Size(value));
        Handle(Size(value));
        return value;
    }

    // Counts characters (or items) an operation reads or writes against the render's total, so a loop that copies or
    // compares large strings stays quick: the step limit alone bounds the count of operations, not their size.
    void Handle(long characters)
    {
        _handled += characters;
        if (_handled > JinjaLimits.MaxHandled)
            throw new ChatTemplateException($"rendering handles more than the limit of {JinjaLimits.MaxHandled:N0} characters in total");
    }

    static long Size(object? value) => value switch { string s => s.Length, System.Collections.ICollection c => c.Count, _ => 0 };

    void ExecuteFor(ForNode loop)
    {
        var iterable = Evaluate(loop.Iterable);
        Handle(Size(iterable));
        var items = JinjaValues.Iterate(iterable).ToList();
        if (loop.Filter is not null)
            items = items.Where(item => { Step(); using var _ = PushScope(Bind(loop.Targets, item)); return JinjaValues.IsTrue(Evaluate(loop.Filter)); }).ToList();
        if (items.Count == 0) { Execute(loop.Else); return; }
        for (int i = 0; i < items.Count; i++)
        {
            Step();
            var scope = Bind(loop.Targets, items[i]);
            scope["loop"] = new Dictionary<string, object?>
            {
                ["index0"] = (long)i, ["index"] = (long)i + 1, ["first"] = i == 0, ["last"] = i == items.Count - 1,
                ["length"] = (long)items.Count, ["revindex"] = (long)(items.Count - i), ["revindex0"] = (long)(items.Count - i - 1),
                ["previtem"] = i > 0 ? items[i - 1] : null, ["nextitem"] = i + 1 < items.Count ? items[i + 1] : null,
            };
            using var _ = PushScope(scope);
            Execute(loop.Body);
        }
    }

    static Dictionary<string, object?> Bind(IReadOnlyList<string> targets, object? item)
    {
        var scope = new Dictionary<string, object?>();
        if (targets.Count == 1) { scope[targets[0]] = item; return scope; }
        var parts = JinjaValues.Iterate(item).ToList();
        if (parts.Count != targets.Count) throw new ChatTemplateException($"cannot unpack {parts.Count} values into {targets.Count} loop variables");
        for (int i = 0; i < targets.Count; i++) scope[targets[i]] = parts[i];
        return scope;
    }

    void ExecuteSet(SetNode set)
    {
        object? value = Evaluate(set.Value);
        if (set.Attribute is null) { _scopes[^1][set.Name] = value; return; }
        if (Lookup(set.Name) is not JinjaNamespace ns)
            throw new ChatTemplateException($"'{set.Name}.{set.Attribute}' can only be set when '{set.Name}' is a namespace()");
        ns[set.Attribute] = value;
    }

    ScopeGuard PushScope(Dictionary<string, object?> scope)
    {
        _scopes.Add(scope);
        return new ScopeGuard(_scopes);
    }

    readonly struct ScopeGuard(List<Dictionary<string, object?>> scopes) : IDisposable
    {
        public void Dispose() => scopes.RemoveAt(scopes.Count - 1);
    }

    object? Lookup(string name)
    {
        for (int i = _scopes.Count - 1; i >= 0; i--)
            if (_scopes[i].TryGetValue(name, out var value)) return value;
        return JinjaValues.Undefined; // renders as empty and is false, as in Jinja's default mode
    }

    object? Evaluate(Expr expr)
    {
        using var _ = Enter();
        return EvaluateHere(expr);
    }

    object? EvaluateHere(Expr expr) => expr switch
    {
        Literal l => l.Value,
        Name n => Lookup(n.Identifier),
        ListExpr l => l.Items.Select(Evaluate).ToList(),
        DictExpr d => Dict(d),
        Attribute a => JinjaValues.Member(Evaluate(a.Target), a.Member),
        Index i => JinjaValues.Item(Evaluate(i.Target), Evaluate(i.Key)),
        Slice s => JinjaValues.Slice(Evaluate(s.Target), s.Start is null ? null : Evaluate(s.Start), s.Stop is null ? null : Evaluate(s.Stop)),
        Call c => Built(CallFunction(c)),
        Filter f => ApplyFilter(f),
        Test t => JinjaBuiltins.ApplyTest(t.TestName, Evaluate(t.Value)) != t.Negated,
        Unary { Op: "not" } u => !JinjaValues.IsTrue(Evaluate(u.Operand)),
        Unary u => JinjaValues.Negate(Evaluate(u.Operand)),
        Binary { Op: "and" or "or" } b => ShortCircuit(b),
        Binary b => BinaryOp(b),
        Conditional c => JinjaValues.IsTrue(Evaluate(c.Condition)) ? Evaluate(c.Then) : c.Else is null ? null : Evaluate(c.Else),
        _ => throw new ChatTemplateException($"cannot evaluate {expr.GetType().Name}"),
    };

    object? ApplyFilter(Filter f)
    {
        object? value = Evaluate(f.Value);
        var args = f.Args.Select(Evaluate).ToList();
        Handle(Size(value) + args.Sum(Size));
        return Built(JinjaBuiltins.ApplyFilter(f.FilterName, value, args));
    }

    // Comparing and searching read both sides: 'in' a list compares the item with each element.
    object? BinaryOp(Binary b)
    {
        object? left = Evaluate(b.Left), right = Evaluate(b.Right);
        Handle(b.Op == "in" && right is System.Collections.ICollection list ? list.Count * (1 + Size(left)) : Size(left) + Size(right));
        return Built(JinjaValues.BinaryOp(b.Op, left, right));
    }

    // 'and' gives its left side when that is false, 'or' when it is true; the left side is evaluated once.
    object? ShortCircuit(Binary b)
    {
        object? left = Evaluate(b.Left);
        return JinjaValues.IsTrue(left) == (b.Op == "or") ? left : Evaluate(b.Right);
    }

    // As in Python, a later duplicate key wins.
    Dictionary<string, object?> Dict(DictExpr d)
    {
        var dict = new Dictionary<string, object?>();
        foreach (var (key, value) in d.Items) dict[JinjaValues.ToText(Evaluate(key))] = Evaluate(value);
        return dict;
    }

    object? CallFunction(Call call)
    {
        object? callee = Evaluate(call.Callee);
        if (callee is not JinjaFunction function)
            throw new ChatTemplateException($"'{Describe(call.Callee)}' is not a function this renderer knows");
        var kwargs = new Dictionary<string, object?>();
        foreach (var (name, value) in call.Kwargs)
            if (!kwargs.TryAdd(name, Evaluate(value)))
                throw new ChatTemplateException($"keyword argument '{name}' is given twice in a call to '{Describe(call.Callee)}'");
        var args = call.Args.Select(Evaluate).ToList();
        Handle(args.Sum(Size) + kwargs.Values.Sum(Size));
        return function(args, kwargs);
    }

    static string Describe(Expr e) => e switch
    {
        Name n => n.Identifier,
        Attribute a => Describe(a.Target) + "." + a.Member,
        _ => e.GetType().Name,
    };
}
