using System.Reflection;
using System.Text;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Library;

/// <summary>
/// The BitNet.Gpu assembly's public types and members, held to the checked-in list <c>BitNet.Gpu.PublicApi.txt</c> beside
/// this file, so the surface changes only on purpose. After an intended change, copy the <c>.received.txt</c> file the
/// failing test writes over the list.
/// </summary>
public class PublicSurfaceTests
{
    static string ListPath => Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(BundledModel.Path))!,
                                           "tests", "BitNet.Gpu.Tests", "Library", "BitNet.Gpu.PublicApi.txt");

    [Fact]
    public void ThePublicSurfaceEqualsTheCheckedInList()
    {
        string actual = Describe(typeof(BitNetModel).Assembly);
        string expected = File.ReadAllText(ListPath).ReplaceLineEndings("\n");
        if (actual != expected) File.WriteAllText(Path.ChangeExtension(ListPath, ".received.txt"), actual);
        Assert.True(actual == expected, $"the public surface of BitNet.Gpu changed; see {Path.ChangeExtension(ListPath, ".received.txt")}\n{actual}");
    }

    [Fact]
    public void TheListingSeesAChangedMember()
    {
        // A type with one more public member describes differently: the comparison above can fail.
        Assert.NotEqual(Describe(typeof(BitNetModel).Assembly), Describe(typeof(BitNetModel).Assembly) + "  M: void Extra()\n");
        Assert.Contains("BitNetModel Load(System.String, BitNet.Gpu.BitNetModelOptions = null)", Describe(typeof(BitNetModel).Assembly));
    }

    /// <summary>One line per public type, then one per public or protected member it declares, sorted.</summary>
    internal static string Describe(Assembly assembly)
    {
        var text = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var bases = new List<string>();
            if (type.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum)) bases.Add(Name(b));
            bases.AddRange(type.GetInterfaces().Select(Name).Order(StringComparer.Ordinal));
            text.Append(Kind(type)).Append(' ').Append(type.FullName).Append(bases.Count > 0 ? " : " + string.Join(", ", bases) : "").Append('\n');
            const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var members = new List<string>();
            foreach (var member in type.GetMembers(Declared))
            {
                string? line = member switch
                {
                    ConstructorInfo c when Visible(c) => $"C: .ctor({Parameters(c)})",
                    MethodInfo m when Visible(m) && (!m.IsSpecialName || m.Name.StartsWith("op_", StringComparison.Ordinal)) =>
                        $"M: {(m.IsStatic ? "static " : "")}{Name(m.ReturnType)} {m.Name}({Parameters(m)})",
                    PropertyInfo p when (p.GetMethod is { } g && Visible(g)) || (p.SetMethod is { } s && Visible(s)) =>
                        $"P: {Name(p.PropertyType)} {p.Name} {{{(p.GetMethod is { } g2 && Visible(g2) ? " get;" : "")}{(p.SetMethod is { } s2 && Visible(s2) ? (s2.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.Name == "IsExternalInit") ? " init;" : " set;") : "")} }}",
                    FieldInfo f when f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly => $"F: {(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{Name(f.FieldType)} {f.Name}",
                    EventInfo e when e.AddMethod is { } a && Visible(a) => $"E: {Name(e.EventHandlerType!)} {e.Name}",
                    _ => null,
                };
                if (line is not null) members.Add(line);
            }
            foreach (var line in members.Order(StringComparer.Ordinal)) text.Append("  ").Append(line).Append('\n');
        }
        return text.ToString();
    }

    static bool Visible(MethodBase m) => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly;

    static string Kind(Type t) => t.IsInterface ? "interface" : t.IsEnum ? "enum" : t.IsValueType ? "struct" :
        t.IsAbstract && t.IsSealed ? "static class" : t.IsSubclassOf(typeof(Delegate)) ? "delegate" : "class";

    static string Parameters(MethodBase m) => string.Join(", ", m.GetParameters().Select(p => Name(p.ParameterType) + (p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")));

    static string Name(Type t)
    {
        if (t.IsByRef) return Name(t.GetElementType()!) + "&";
        if (t.IsArray) return Name(t.GetElementType()!) + "[]";
        if (t.IsGenericParameter) return t.Name;
        if (Nullable.GetUnderlyingType(t) is { } inner) return Name(inner) + "?";
        if (!t.IsGenericType) return t.FullName ?? t.Name;
        string name = t.GetGenericTypeDefinition().FullName!;
        name = name[..name.IndexOf('`')];
        return $"{name}<{string.Join(", ", t.GetGenericArguments().Select(Name))}>";
    }
}
