namespace KVEdge.Testing;

/// <summary>
/// Golden files: the expected bytes of an output, kept in the repository and reviewed like code. With
/// KVEDGE_UPDATE_GOLDEN=1 the test writes what it got instead (run twice: the second run must pass unchanged).
/// </summary>
public static class Golden
{
    public static bool Updating => Environment.GetEnvironmentVariable("KVEDGE_UPDATE_GOLDEN") == "1";

    public static void AssertMatches(string path, string actual)
    {
        if (Updating)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
        }

        Assert.True(File.Exists(path), $"missing golden file {path}; run with KVEDGE_UPDATE_GOLDEN=1");
        Assert.Equal(File.ReadAllText(path), actual);
    }
}
