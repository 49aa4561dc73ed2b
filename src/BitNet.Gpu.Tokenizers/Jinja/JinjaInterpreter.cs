using System.Text;

namespace BitNet.Gpu.Tokenizers.Jinja;

/// <summary>A function value a template can call: positional and keyword arguments in, a value out.</summary>
delegate object? JinjaFunction(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs);

/// <summary>The object <c>namespace(...)</c> returns: attributes that <c>{% set ns.x = ... %}</c> may change from inside a loop.</summary>
sealed class JinjaNamespace : Dictionary<string, object?>;

/// <summary>
/// Renders a parsed template. Values are null (undefined/none), bool, long, string, lists, string-keyed dictionaries,
/// namespaces and functions. As in Jinja, a for loop body is its own scope each iteration, so a plain
/// <c>set</c> inside it does not outlive the iteration.
/// </summary>
sealed class JinjaInterpreter
{
    readonly List<Dictionary<string, object?>> _scopes = [];
    readonly StringBuilder _output = new();

    public static string Render(IReadOnlyList<Node> template, Dictionary<string, object?> variables)
    {
        var interpreter = new JinjaInterpreter();
        interpreter._scopes.Add(new Dictionary<string, object?>
        {
            ["raise_exception"] = (JinjaFunction)((args, _) =>
                throw new ChatTemplateException($"the template raised an error: {JinjaValues.ToText(args.FirstOrDefault())}")),
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
        switch (node)
        {
            case TextNode t: _output.Append(t.Text); break;
            case OutputNode o: _output.Append(JinjaValues.ToText(Evaluate(o.Value))); break;
            case IfNode i:
                foreach (var (condition, body) in i.Branches)
                    if (JinjaValues.IsTrue(Evaluate(condition))) { Execute(body); return; }
                Execute(i.Else);
                break;
            case ForNode f: ExecuteFor(f); break;
            case SetNode s: ExecuteSet(s); break;
        }
    }

    void ExecuteFor(ForNode loop)
    {
        var items = JinjaValues.Iterate(Evaluate(loop.Iterable)).ToList();
        if (loop.Filter is not null)
            items = items.Where(item => { using var _ = PushScope(Bind(loop.Targets, item)); return JinjaValues.IsTrue(Evaluate(loop.Filter)); }).ToList();
        if (items.Count == 0) { Execute(loop.Else); return; }
        for (int i = 0; i < items.Count; i++)
        {
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

    object? Evaluate(Expr expr) => expr switch
    {
        Literal l => l.Value,
        Name n => Lookup(n.Identifier),
        ListExpr l => l.Items.Select(Evaluate).ToList(),
        DictExpr d => d.Items.ToDictionary(p => JinjaValues.ToText(Evaluate(p.Key)), p => Evaluate(p.Value)),
        Attribute a => JinjaValues.Member(Evaluate(a.Target), a.Member),
        Index i => JinjaValues.Item(Evaluate(i.Target), Evaluate(i.Key)),
        Slice s => JinjaValues.Slice(Evaluate(s.Target), s.Start is null ? null : Evaluate(s.Start), s.Stop is null ? null : Evaluate(s.Stop)),
        Call c => CallFunction(c),
        Filter f => JinjaBuiltins.ApplyFilter(f.FilterName, Evaluate(f.Value), f.Args.Select(Evaluate).ToList()),
        Test t => JinjaBuiltins.ApplyTest(t.TestName, Evaluate(t.Value)) != t.Negated,
        Unary { Op: "not" } u => !JinjaValues.IsTrue(Evaluate(u.Operand)),
        Unary u => JinjaValues.Negate(Evaluate(u.Operand)),
        Binary { Op: "and" } b => JinjaValues.IsTrue(Evaluate(b.Left)) ? Evaluate(b.Right) : Evaluate(b.Left),
        Binary { Op: "or" } b => JinjaValues.IsTrue(Evaluate(b.Left)) ? Evaluate(b.Left) : Evaluate(b.Right),
        Binary b => JinjaValues.BinaryOp(b.Op, Evaluate(b.Left), Evaluate(b.Right)),
        Conditional c => JinjaValues.IsTrue(Evaluate(c.Condition)) ? Evaluate(c.Then) : c.Else is null ? null : Evaluate(c.Else),
        _ => throw new ChatTemplateException($"cannot evaluate {expr.GetType().Name}"),
    };

    object? CallFunction(Call call)
    {
        object? callee = Evaluate(call.Callee);
        if (callee is not JinjaFunction function)
            throw new ChatTemplateException($"'{Describe(call.Callee)}' is not a function this renderer knows");
        var kwargs = call.Kwargs.ToDictionary(k => k.Name, k => Evaluate(k.Value));
        return function(call.Args.Select(Evaluate).ToList(), kwargs);
    }

    static string Describe(Expr e) => e switch
    {
        Name n => n.Identifier,
        Attribute a => Describe(a.Target) + "." + a.Member,
        _ => e.GetType().Name,
    };
}
