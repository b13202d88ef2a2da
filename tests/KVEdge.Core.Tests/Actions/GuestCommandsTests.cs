using KVEdge.Core.Actions;

namespace KVEdge.Core.Tests.Actions;

/// <summary>The command lines the guest verbs send: quoted for the login shell, privileged through sudo -n.</summary>
public sealed class GuestCommandsTests
{
    [Fact]
    public void Exec_keeps_every_argument_whole_for_the_guest_shell()
    {
        Assert.Equal("printf '%s|' 'two words' '$HOME' 'it'\\''s' '' ';reboot'", GuestCommands.Exec(["printf", "%s|", "two words", "$HOME", "it's", "", ";reboot"]));
        var run = KVEdge.Testing.ExternalTool.Run("/bin/sh", ["-c", "printf '[%s]' " + GuestCommands.Exec(["a b", "$(id)", "it's", "\\n", "*"])]);
        Assert.Equal("[a b][$(id)][it's][\\n][*]", run.StdOut);
    }

    [Fact]
    public void Privileged_commands_run_through_sudo_n_unless_the_login_is_root()
    {
        Assert.Equal("$(test \"$(id -u)\" -eq 0 || echo sudo -n) /usr/local/lib/kvedge/kvedge-health --json", GuestCommands.Health());
        Assert.Equal("$(test \"$(id -u)\" -eq 0 || echo sudo -n) iotedge logs edgeHub --tail 5 --since 15m -f", GuestCommands.Logs("edgeHub", follow: true, tail: 5, since: "15m"));
        Assert.Equal("$(test \"$(id -u)\" -eq 0 || echo sudo -n) journalctl --no-pager -o short-iso -u aziot-keyd -u aziot-certd -u aziot-identityd -u aziot-tpmd -u aziot-edged -u kvedge-converge -u kvedge-apply --since '2026-12-01 10:00'",
            GuestCommands.Logs(null, follow: false, tail: null, since: "2026-12-01 10:00"));
        Assert.EndsWith("iotedge support-bundle --output - --since 1d", GuestCommands.SupportBundle("1d"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("15m", true)]
    [InlineData("1d", true)]
    [InlineData("2026-12-01", true)]
    [InlineData("2026-12-01 10:00:00", true)]
    [InlineData("yesterday", false)]
    [InlineData("1d;reboot", false)]
    [InlineData("", false)]
    public void Since_is_a_duration_or_a_date(string value, bool valid) => Assert.Equal(valid, SinceValue.IsValid(value));

    [Fact]
    public void A_health_report_is_read_only_from_the_programs_json_and_shown_escaped()
    {
        Assert.Null(HealthReport.Parse("sudo: a password is required"));
        Assert.Null(HealthReport.Parse("{\"state\":\"healthy\"}"));
        var report = HealthReport.Parse("""{"healthy":false,"state":"failed","reason":"edgeHub is \u001b[31mstopped","runtimeVersion":"1.5.21","provisioning":"provisioned","services":{"aziot-edged":"Running"},"modules":[{"name":"edgeHub","status":"stopped"}]}""")!;
        Assert.False(report.Healthy);
        Assert.DoesNotContain('\u001b', report.Summary);
        Assert.StartsWith("failed: edgeHub is ", report.Summary, StringComparison.Ordinal);
        Assert.Equal("stopped", report.ToJson()["modules"]![0]!["status"]!.GetValue<string>());
    }
}
