using KVEdge.Core.Files;

namespace KVEdge.Core.Tests.Files;

public sealed class OutputFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kvedge-output-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_exclusive_create_does_not_follow_a_link_planted_at_its_name()
    {
        var victim = Path.Combine(_folder, "victim");
        File.WriteAllText(victim, "untouched");
        var planted = Path.Combine(_folder, "planted.tmp");
        File.CreateSymbolicLink(planted, victim);
        Assert.Throws<IOException>(() => OutputFile.CreateExclusive(planted, UnixFileMode.UserRead | UnixFileMode.UserWrite).Dispose());
        Assert.Equal("untouched", File.ReadAllText(victim));
    }

    [Fact]
    public void The_temporary_name_is_beside_the_target_and_unpredictable()
    {
        var target = Path.Combine(_folder, "out.zip");
        var a = OutputFile.TemporaryBeside(target);
        var b = OutputFile.TemporaryBeside(target);
        Assert.NotEqual(a, b);
        Assert.Equal(_folder, Path.GetDirectoryName(a));
        Assert.Matches(@"^\.out\.zip\.[0-9a-f]{16}\.tmp\z", Path.GetFileName(a));
    }

    [Fact]
    public void A_file_is_written_whole_with_its_mode_and_replaced_only_when_asked()
    {
        var target = Path.Combine(_folder, "out.txt");
        OutputFile.Write(target, replace: false, "--output", "one"u8, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("one", File.ReadAllText(target));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target));
        var refused = Assert.Throws<OutputFileException>(() => OutputFile.Write(target, replace: false, "--output", "two"u8));
        Assert.Contains("exists; give --force", refused.Message, StringComparison.Ordinal);
        OutputFile.Write(target, replace: true, "--output", "two"u8);
        Assert.Equal("two", File.ReadAllText(target));
        Assert.Equal(["out.txt"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void A_folder_reached_through_a_link_is_written_into_but_a_missing_one_is_refused()
    {
        var real = Directory.CreateDirectory(Path.Combine(_folder, "real")).FullName;
        var linked = Path.Combine(_folder, "linked");
        Directory.CreateSymbolicLink(linked, real);
        OutputFile.Write(Path.Combine(linked, "out.zip"), replace: false, "--output", "zip"u8);
        Assert.Equal("zip", File.ReadAllText(Path.Combine(real, "out.zip")));
        var missing = Assert.Throws<OutputFileException>(() => OutputFile.Write(Path.Combine(_folder, "nope", "out.zip"), replace: false, "--output", "x"u8));
        Assert.Contains("its folder does not exist", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_write_leaves_neither_the_target_nor_a_temporary_file()
    {
        var target = Path.Combine(_folder, "out.zip");
        await Assert.ThrowsAsync<InvalidOperationException>(() => OutputFile.WriteAsync(target, replace: false, "--output", _ => throw new InvalidOperationException("guest went away")));
        Assert.Empty(Directory.GetFiles(_folder));

        // Content the writer calls incomplete (the guest answered, but not with a bundle) is not committed either.
        await OutputFile.WriteAsync(target, replace: false, "--output", async s =>
        {
            await s.WriteAsync("half"u8.ToArray());
            return false;
        });
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Theory]
    [InlineData("/dev/null", PathKind.CharacterDevice)]
    [InlineData("/", PathKind.Directory)]
    [InlineData("/nonexistent/kvedge", PathKind.Missing)]
    public void Path_kinds_come_from_lstat(string path, PathKind kind) => Assert.Equal(kind, PathKinds.Of(path));

    [Fact]
    public void A_fifo_and_a_link_are_told_from_a_file_without_opening_them()
    {
        var fifo = Path.Combine(_folder, "fifo");
        Assert.Equal(0, KVEdge.Testing.ExternalTool.Run("mkfifo", [fifo]).ExitCode);
        var file = Path.Combine(_folder, "file");
        File.WriteAllText(file, "x");
        var link = Path.Combine(_folder, "link");
        File.CreateSymbolicLink(link, file);
        Assert.Equal([PathKind.Fifo, PathKind.RegularFile, PathKind.SymbolicLink], new[] { fifo, file, link }.Select(PathKinds.Of));
    }
}
