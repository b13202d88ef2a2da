namespace KVEdge.Core.Input;

/// <summary>An input's text and the name used for it in messages.</summary>
public sealed record InputFile(string DisplayName, string Text)
{
    /// <summary>Reads files and directories (their *.yaml/*.yml, sorted) as kubectl -f does; "-" is standard input.</summary>
    public static IReadOnlyList<InputFile> Read(IEnumerable<string> paths, Func<TextReader> stdin)
    {
        var files = new List<InputFile>();
        foreach (var path in paths)
        {
            if (path == "-")
            {
                files.Add(new InputFile("<stdin>", stdin().ReadToEnd()));
            }
            else if (Directory.Exists(path))
            {
                var entries = Directory.EnumerateFiles(path)
                    .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
                    .Order(StringComparer.Ordinal);
                files.AddRange(entries.Select(f => new InputFile(f, File.ReadAllText(f))));
            }
            else
            {
                files.Add(new InputFile(path, File.ReadAllText(path)));
            }
        }

        return files;
    }
}
