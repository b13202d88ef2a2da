namespace KVEdge.Testing;

/// <summary>Where the repository and the shared folder (schemas, reference notes) sit, from any test's working directory.</summary>
public static class RepoPaths
{
    /// <summary>The repository; KVEDGE_REPO overrides, for a test program built outside it (tests/ContractServerHost in the e2e harness).</summary>
    public static string Root { get; } = Environment.GetEnvironmentVariable("KVEDGE_REPO") is { Length: > 0 } repo ? repo : FindRoot();

    /// <summary>../shared beside the repository, as CI lays it out; KVEDGE_SHARED overrides.</summary>
    public static string Shared { get; } = Environment.GetEnvironmentVariable("KVEDGE_SHARED") is { Length: > 0 } s
        ? s
        : Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string Schemas => Path.Combine(Shared, "schemas", "jsonschema");

    public static string Examples => Path.Combine(Root, "examples");

    public static string TestData => Path.Combine(Root, "tests", "testdata");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KVEdge.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (KVEdge.slnx) above " + AppContext.BaseDirectory);
    }
}
