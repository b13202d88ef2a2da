using KVEdge.Testing;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>--output-dir writes only inside its folder, never through a link, never over a file it did not write, and
/// removes what it wrote for devices that left the fleet.</summary>
public sealed class OutputDirTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kvedge-cli-tree-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    private string Tree => Path.Combine(_folder, "tree");

    private static string Example(string name) => Path.Combine(RepoPaths.Examples, name);

    private (int Code, TestConsole Console) Render(string? fleet = null) =>
        fleet is null
            ? TestConsole.Run("template", "-f", Example("fleet.yaml"), "--output-dir", Tree)
            : TestConsole.RunWithInput(fleet, "template", "-f", "-", "--output-dir", Tree);

    private static IEnumerable<string> Everything(string dir) => Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    [Fact]
    public void A_symlinked_folder_in_the_tree_is_refused_and_what_it_points_at_is_untouched()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_folder, "elsewhere")).FullName;
        File.WriteAllText(Path.Combine(elsewhere, "precious.txt"), "mine");
        Directory.CreateDirectory(Tree);
        Directory.CreateSymbolicLink(Path.Combine(Tree, "factory-a"), elsewhere);

        var (code, console) = Render();
        Assert.Equal(2, code);
        Assert.Contains("factory-a\" is a symbolic link: kvedge writes only real folders and files inside --output-dir", console.Err, StringComparison.Ordinal);
        Assert.Contains("nothing was written", console.Err, StringComparison.Ordinal);
        // A list of problems is printed as lines, not with a literal "\n" between them.
        Assert.DoesNotContain("\\n", console.Err, StringComparison.Ordinal);
        Assert.Contains("\n  nothing was written\n", console.Err, StringComparison.Ordinal);
        Assert.Equal([Path.Combine(elsewhere, "precious.txt")], Everything(elsewhere));
        Assert.Equal([Path.Combine(Tree, "factory-a")], Everything(Tree).Where(p => !p.StartsWith(Path.Combine(Tree, "factory-a") + "/", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_symlinked_file_is_refused_and_its_target_is_not_overwritten()
    {
        Assert.Equal(0, Render().Code);
        var outside = Path.Combine(_folder, "outside.yaml");
        File.WriteAllText(outside, "# someone else's\n");
        var victim = Directory.EnumerateFiles(Tree, "secret-*-cloudinit.yaml", SearchOption.AllDirectories).First();
        File.Delete(victim);
        File.CreateSymbolicLink(victim, outside);

        var (code, console) = Render();
        Assert.Equal(2, code);
        Assert.Contains("is a symbolic link", console.Err, StringComparison.Ordinal);
        Assert.Equal("# someone else's\n", File.ReadAllText(outside));
    }

    [Fact]
    public void A_fifo_where_a_file_goes_is_refused_without_being_opened()
    {
        Assert.Equal(0, Render().Code);
        var victim = Directory.EnumerateFiles(Tree, "virtualmachine-*.yaml", SearchOption.AllDirectories).First();
        File.Delete(victim);
        Assert.Equal(0, ExternalTool.Run("mkfifo", [victim]).ExitCode);

        // Opening the FIFO to look for kvedge's header would block this test until its time-out.
        var (code, console) = Render();
        Assert.Equal(2, code);
        Assert.Contains("is a FIFO where kvedge writes a file", console.Err, StringComparison.Ordinal);
        Assert.Equal(Core.Files.PathKind.Fifo, Core.Files.PathKinds.Of(victim));
    }

    [Fact]
    public void Secrets_are_written_for_their_owner_alone_whatever_the_umask()
    {
        Assert.Equal(0, Render().Code);
        var secrets = Directory.EnumerateFiles(Tree, "secret-*.yaml", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(secrets);
        Assert.All(secrets, f => Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(f) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), f));
        var others = Directory.EnumerateFiles(Tree, "*.yaml", SearchOption.AllDirectories).Except(secrets).ToList();
        Assert.All(others, f => Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(f).HasFlag(UnixFileMode.OtherRead), f));
        Assert.Empty(Directory.EnumerateFiles(Tree, ".*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_file_as_output_dir_is_a_clear_error_not_an_internal_one()
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Tree, "not a folder");
        var (code, console) = Render();
        Assert.Equal(2, code);
        Assert.Contains("is a file, not a folder; nothing was written", console.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", console.Err, StringComparison.Ordinal);
        Assert.Equal("not a folder", File.ReadAllText(Tree));
    }

    [Fact]
    public void A_users_own_kustomization_is_never_overwritten()
    {
        Directory.CreateDirectory(Tree);
        File.WriteAllText(Path.Combine(Tree, "kustomization.yaml"), "resources: [my-app]\n");
        var (code, console) = Render();
        Assert.Equal(2, code);
        Assert.Contains("kustomization.yaml\" was not written by kvedge", console.Err, StringComparison.Ordinal);
        Assert.Equal("resources: [my-app]\n", File.ReadAllText(Path.Combine(Tree, "kustomization.yaml")));
        Assert.Equal([Path.Combine(Tree, "kustomization.yaml")], Everything(Tree));
    }

    [Fact]
    public void Folders_of_devices_that_left_the_fleet_go_and_a_users_file_stays()
    {
        Assert.Equal(0, Render().Code);
        var devices = Directory.EnumerateFiles(Tree, "kustomization.yaml", SearchOption.AllDirectories).Select(Path.GetDirectoryName).Where(d => d != Tree).ToList();
        Assert.Equal(4, devices.Count);
        var kept = devices[0]!;
        var mine = Path.Combine(devices[1]!, "NOTES.md");
        File.WriteAllText(mine, "my notes");

        // The fleet shrinks to one device (same namespace and name as the first folder).
        var name = Path.GetFileName(kept);
        var ns = Path.GetFileName(Path.GetDirectoryName(kept)!);
        var (code, console) = Render(Specs.Minimal(name).Replace("namespace: factory-a", $"namespace: {ns}", StringComparison.Ordinal));
        Assert.True(code == 0, console.Err);
        Assert.True(File.Exists(Path.Combine(kept, "kustomization.yaml")));
        Assert.False(Directory.Exists(devices[2]));
        Assert.False(Directory.Exists(devices[3]));
        Assert.Equal([mine], Directory.EnumerateFileSystemEntries(devices[1]!));
        Assert.DoesNotContain(Path.GetFileName(devices[2]!), File.ReadAllText(Path.Combine(Tree, "kustomization.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_credentials_Secret_in_a_tree_is_warned_about_naming_existingSecret()
    {
        var spec = Specs.Minimal("edge-01", "iotEdge:\n  provisioning: {source: manual, method: connectionString}\n  credentials: {connectionStringEnv: KVEDGE_TEST_CS}\n");
        var (code, console) = TestConsole.RunWith(spec, new Dictionary<string, string> { ["KVEDGE_TEST_CS"] = "HostName=hub-a.azure-devices.net;DeviceId=edge-01;SharedAccessKey=c2VjcmV0LWtleS10cmVlLXRlc3Q=" },
            "template", "-f", "-", "--output-dir", Tree);
        Assert.True(code == 0, console.Err);
        Assert.Contains("factory-a/edge-01-credentials holds the device's credentials", console.Err, StringComparison.Ordinal);
        Assert.Contains("spec.iotEdge.credentials.existingSecret", console.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0LWtleS10cmVlLXRlc3Q", console.Err, StringComparison.Ordinal);
    }
}
