namespace BitNet.Gpu.Tests.Support;

/// <summary>How a symbolic link reaches the file it names.</summary>
public enum LinkKind
{
    /// <summary>A link holding the target's absolute path.</summary>
    Absolute,
    /// <summary>A link holding a path relative to its own folder (as the Hugging Face cache writes them: ../../blobs/...).</summary>
    Relative,
    /// <summary>A link to a link to a link to the file.</summary>
    Chain,
    /// <summary>A relative link to a relative link in another folder, which names the file.</summary>
    ThroughAnotherFolder,
}

/// <summary>Creates symbolic links of each <see cref="LinkKind"/> to a file, for the tests of every file the program opens.</summary>
public static class SymbolicLinks
{
    /// <summary>Every kind, as theory data.</summary>
    public static TheoryData<LinkKind> Kinds() => new(Enum.GetValues<LinkKind>());

    /// <summary>Creates <paramref name="folder"/>/<paramref name="name"/> as a link of <paramref name="kind"/> to <paramref name="target"/>; returns its path.</summary>
    public static string Create(string target, string folder, string name, LinkKind kind)
    {
        Directory.CreateDirectory(folder);
        string link = Path.Combine(folder, name);
        target = Path.GetFullPath(target);
        switch (kind)
        {
            case LinkKind.Absolute:
                File.CreateSymbolicLink(link, target);
                break;
            case LinkKind.Relative:
                File.CreateSymbolicLink(link, Path.GetRelativePath(folder, target));
                break;
            case LinkKind.Chain:
                File.CreateSymbolicLink(link + ".hop2", target);
                File.CreateSymbolicLink(link + ".hop1", name + ".hop2");
                File.CreateSymbolicLink(link, name + ".hop1");
                break;
            case LinkKind.ThroughAnotherFolder:
                string other = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(folder))!, Path.GetFileName(Path.GetFullPath(folder)) + "-elsewhere");
                Directory.CreateDirectory(other);
                File.CreateSymbolicLink(Path.Combine(other, name), Path.GetRelativePath(other, target));
                File.CreateSymbolicLink(link, Path.GetRelativePath(folder, Path.Combine(other, name)));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
        return link;
    }
}
