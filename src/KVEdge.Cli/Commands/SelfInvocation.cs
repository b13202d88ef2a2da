namespace KVEdge.Cli.Commands;

/// <summary>
/// The command line that runs this kvedge again (for OpenSSH's ProxyCommand): the executable itself when it is one
/// (NativeAOT, single-file, the apphost of a dotnet tool, kubectl-kvedge), else the dotnet host and kvedge.dll.
/// </summary>
internal static class SelfInvocation
{
    public static IReadOnlyList<string> Command()
    {
        var process = Environment.ProcessPath ?? "kvedge";
        var name = Path.GetFileNameWithoutExtension(process);
        if (name is "kvedge" or "kubectl-kvedge")
        {
            return [process];
        }

        // A framework-dependent run (dotnet kvedge.dll, or the CLI hosted by a test runner): the assembly beside us.
        var dll = Path.Combine(AppContext.BaseDirectory, "kvedge.dll");
        if (!File.Exists(dll))
        {
            return [process];
        }

        var host = name == "dotnet" ? process : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        return [host, dll];
    }
}
