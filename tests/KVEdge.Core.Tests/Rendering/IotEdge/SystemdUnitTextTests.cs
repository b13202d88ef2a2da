using KVEdge.Core.Actions;
using KVEdge.Core.Input;
using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Testing;
using static KVEdge.Testing.SystemdUnitParser;

namespace KVEdge.Core.Tests.Rendering.IotEdge;

/// <summary>
/// What kvedge writes into systemd units (docker's and the aziot services' drop-ins) is read back with systemd's own
/// rules (<see cref="SystemdUnitParser"/>): each value arrives as exactly the value meant, and no value adds a directive.
/// </summary>
public class SystemdUnitTextTests
{
    public static TheoryData<string> Hostile() => new(
        "http://proxy.example.com:3128", "a%h%i%%b", "quote\"inside", "back\\slash", "two words", "$HOME ${PATH}", "'single'", "semi;colon#hash", "=");

    [Theory]
    [MemberData(nameof(Hostile))]
    public void An_environment_value_reads_back_as_itself(string value)
    {
        var directives = Parse("[Service]\n" + SystemdUnitText.Environment("https_proxy", value));
        var d = Assert.Single(directives);
        Assert.Equal(("Service", "Environment"), (d.Section, d.Key));
        Assert.Equal(["https_proxy=" + value], EnvironmentAssignments(d.Value));
    }

    [Theory]
    [InlineData("x\n[Service]\nExecStartPre=/bin/evil")]
    [InlineData("x\rExecStart=/bin/evil")]
    [InlineData("x\u0085y")]
    [InlineData("x\0y")]
    public void A_control_character_is_refused_not_written(string value)
    {
        Assert.Throws<ArgumentException>(() => SystemdUnitText.Environment("no_proxy", value));
        Assert.Throws<ArgumentException>(() => SystemdUnitText.Path("/srv/" + value));
    }

    [Theory]
    [InlineData("/srv/with space")]
    [InlineData("/srv/back\\slash")]
    public void A_path_that_would_split_a_path_list_is_refused(string path) =>
        Assert.Throws<ArgumentException>(() => SystemdUnitText.Path(path));

    [Fact]
    public void A_percent_in_a_path_is_doubled() =>
        Assert.Equal("/srv/100%", ExpandSpecifiers(SystemdUnitText.Path("/srv/100%")));

    [Fact]
    public void The_rendered_drop_ins_hold_exactly_their_directives_with_the_specs_values()
    {
        // The widest values the patterns admit: every noProxy form, a mount path with '.', '_' and '-'.
        var noProxy = new[] { "*", "localhost", ".svc", "*.cluster.local", "registry.example.com:5000", "10.0.0.0/8", "192.168.1.1", "fd00::1", "fd00::/64" };
        var spec = Specs.Minimal(extraSpec: $$"""
            dataDisk: {mountPath: /srv/edge_data-1.0}
            iotEdge:
              provisioning: {source: dps, method: tpm, idScope: 0ne00000A0A, registrationId: edge-01}
              proxy:
                httpsProxy: http://proxy.example.com:3128
                noProxy: [{{string.Join(", ", noProxy.Select(n => $"\"{n}\""))}}]
            """);
        var result = TemplateAction.Run([new InputFile("t.yaml", spec)], [], "default");
        Assert.False(result.Diagnostics.HasErrors, string.Join("\n", result.Diagnostics.Items));
        var files = result.Devices.Single().Objects.OfType<k8s.Models.V1ConfigMap>().Single().Data;
        var list = string.Join(',', noProxy);

        var docker = Parse(files["docker.conf"]);
        Assert.Equal(
            [("Unit", "RequiresMountsFor"), ("Service", "Environment"), ("Service", "Environment"), ("Service", "Environment"), ("Service", "Environment")],
            docker.Select(d => (d.Section, d.Key)));
        Assert.Equal("/srv/edge_data-1.0", ExpandSpecifiers(docker[0].Value));
        Assert.Equal(
            ["https_proxy=http://proxy.example.com:3128", "HTTPS_PROXY=http://proxy.example.com:3128", $"no_proxy={list}", $"NO_PROXY={list}"],
            docker.Skip(1).SelectMany(d => EnvironmentAssignments(d.Value)));

        var aziot = Parse(files["aziot-proxy.conf"]);
        Assert.All(aziot, d => Assert.Equal(("Service", "Environment"), (d.Section, d.Key)));
        Assert.Equal(["https_proxy=http://proxy.example.com:3128", $"no_proxy={list}"], aziot.SelectMany(d => EnvironmentAssignments(d.Value)));
    }

    [Fact]
    public void The_env_file_sourced_by_the_converge_programs_shell_gives_back_each_value_whole()
    {
        // A repository URL may hold anything but blanks: quotes, $( ), backticks and ';' must stay text.
        const string Url = "https://mirror.example.com/ms?a='$(reboot)'&b=`id`;c=\\x\"%h";
        var spec = Specs.Minimal(extraSpec: $$"""
            dataDisk: {mountPath: /srv/edge_data-1.0}
            iotEdge:
              provisioning: {source: dps, method: tpm, idScope: 0ne00000A0A, registrationId: edge-01}
              packageRepository: {url: "{{Url.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}}", suite: noble, components: [main, extra]}
            """);
        var result = TemplateAction.Run([new InputFile("t.yaml", spec)], [], "default");
        Assert.False(result.Diagnostics.HasErrors, string.Join("\n", result.Diagnostics.Items));
        var env = result.Devices.Single().Objects.OfType<k8s.Models.V1ConfigMap>().Single().Data["kvedge.env"];
        var bash = ExternalTool.Require("/bin/bash");
        var run = ExternalTool.Run(bash, ["-c", "set -eu; . /dev/stdin; printf '%s\\n' \"$KVEDGE_REPO_URL\" \"$KVEDGE_DATA_MOUNT\" \"$KVEDGE_REPO_COMPONENTS\""], env);
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Equal($"{Url}\n/srv/edge_data-1.0\nmain extra\n", run.StdOut);
    }
}
