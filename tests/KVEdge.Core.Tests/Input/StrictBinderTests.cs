using KVEdge.Core.Diagnostics;
using KVEdge.Core.Input;
using KVEdge.Core.Spec;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Input;

public class StrictBinderTests
{
    private static (EdgeDevice Device, DiagnosticBag Diagnostics) Bind(string yaml, params ValueOverride[] overrides)
    {
        var diagnostics = new DiagnosticBag();
        var document = YamlDocumentReader.Read("t.yaml", yaml, diagnostics).Single();
        OverrideApplier.Apply(document, overrides, diagnostics);
        return (StrictBinder.Bind<EdgeDevice>(document, diagnostics).Value, diagnostics);
    }

    [Fact]
    public void Unknown_fields_suggest_the_closest_name()
    {
        var (_, d) = Bind(Specs.Minimal(extraSpec: "rootdisk: {size: 30Gi}\ncpu: {coers: 2}"));
        Assert.Contains(d.Items, x => x.Path == "spec.rootdisk" && x.Message.Contains("did you mean 'rootDisk'?", StringComparison.Ordinal));
        Assert.Contains(d.Items, x => x.Path == "spec.cpu.coers" && x.Message.Contains("did you mean 'cores'?", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_error_is_reported_at_once_with_its_line()
    {
        var (_, d) = Bind(Specs.Minimal(extraSpec: "cpu: {cores: x, sockets: y}\nmemory: [1]"));
        Assert.Equal(3, d.ErrorCount);
        var cores = d.Items.Single(x => x.Path == "spec.cpu.cores");
        Assert.Equal(10, cores.Location.Line);
        Assert.Contains("expected an integer, got 'x'", cores.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tag_is_honoured_only_where_it_says_what_the_field_is()
    {
        var (device, ok) = Bind(Specs.Minimal(extraSpec: "hostname: !!str edge01\ncpu: {cores: !!int 4, sockets: ! 1}\nmemory: !!str 4Gi"));
        Assert.False(ok.HasErrors, string.Join("\n", ok.Items));
        Assert.Equal(("edge01", 4, 1), (device.Spec.Hostname, device.Spec.Cpu.Cores, device.Spec.Cpu.Sockets));

        var (_, d) = Bind(Specs.Minimal(extraSpec: "hostname: !shell edge01\ncpu: {cores: !!float 4, sockets: !!str 1}\nmemory: !!binary NGdp"));
        Assert.Equal(4, d.ErrorCount);
        Assert.Contains(d.Items, x => x.Path == "spec.cpu.cores" && x.Message.Contains("the tag \"!!float\" does not fit this field", StringComparison.Ordinal));
        Assert.Contains(d.Items, x => x.Path == "spec.hostname" && x.Message.Contains("the tag \"!shell\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0022", "(0022 is 18 to them)")]
    [InlineData("-08", "(or refuse it)")]
    public void An_integer_with_a_leading_zero_is_refused_as_ambiguous(string value, string octal)
    {
        var (_, d) = Bind(Specs.Minimal(extraSpec: $"expose: {{sshPort: {value}}}"));
        var error = Assert.Single(d.Items, x => x.Path == "spec.expose.sshPort");
        Assert.Contains("has a leading zero, which YAML 1.1 readers (kubectl, helm) take as octal " + octal, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_and_booleans_are_not_strings_unless_quoted()
    {
        var (_, d) = Bind(Specs.Minimal(extraSpec: "memory: 4096\nhostname: true"));
        Assert.Contains(d.Items, x => x.Path == "spec.memory" && x.Message.Contains("got integer '4096'; quote it", StringComparison.Ordinal));
        Assert.Contains(d.Items, x => x.Path == "spec.hostname" && x.Rule == "type");
        var (device, ok) = Bind(Specs.Minimal(extraSpec: "memory: \"4096\""));
        Assert.False(ok.HasErrors);
        Assert.Equal("4096", device.Spec.Memory);
    }

    [Fact]
    public void Defaults_apply_where_fields_are_absent_or_null()
    {
        var (device, d) = Bind(Specs.Minimal(extraSpec: "memory: ~\ncpu: {cores: 3}"));
        Assert.False(d.HasErrors);
        Assert.Equal(("4Gi", 3, 1), (device.Spec.Memory, device.Spec.Cpu.Cores, device.Spec.Cpu.Sockets));
        Assert.Equal("ClusterIP", device.Spec.Expose.Type);
    }

    [Fact]
    public void Status_is_accepted_and_never_read()
    {
        var (device, d) = Bind(Specs.Minimal() + "\nstatus: {phase: Ready, anything: [1, 2]}\n");
        Assert.False(d.HasErrors);
        Assert.Null(device.Status);
    }

    [Fact]
    public void Set_overrides_are_typed_by_the_field_they_land_in()
    {
        var (device, d) = Bind(Specs.Minimal(),
            [.. ValueOverride.ParseSet("spec.cpu.cores=4,spec.memory=8Gi,spec.hostname=1234"), .. ValueOverride.ParseSet("metadata.labels.app\\.example\\.com/tier=1")]);
        Assert.False(d.HasErrors, string.Join("\n", d.Items));
        Assert.Equal((4, "8Gi", "1234"), (device.Spec.Cpu.Cores, device.Spec.Memory, device.Spec.Hostname));
        Assert.Equal("1", device.Metadata.Labels["app.example.com/tier"]);
    }

    [Fact]
    public void Set_builds_lists_and_indexes_into_them()
    {
        var (device, d) = Bind(Specs.Minimal(), [
            .. ValueOverride.ParseSet("spec.expose.ports[0].name=mqtts,spec.expose.ports[0].port=8883"),
            .. ValueOverride.ParseSet("spec.ssh.authorizedKeys[1]=" + TestKeys.Ecdsa384.Replace(",", "\\,", StringComparison.Ordinal)),
            .. ValueOverride.ParseSet("spec.expose.loadBalancerSourceRanges={10.0.0.0/8,192.168.0.0/16}"),
        ]);
        Assert.False(d.HasErrors, string.Join("\n", d.Items));
        Assert.Equal(("mqtts", 8883), (device.Spec.Expose.Ports[0].Name, device.Spec.Expose.Ports[0].Port));
        Assert.Equal(2, device.Spec.Ssh.AuthorizedKeys.Count);
        Assert.Equal(["10.0.0.0/8", "192.168.0.0/16"], device.Spec.Expose.LoadBalancerSourceRanges);
    }

    [Fact]
    public void Set_errors_name_the_flag_they_came_from()
    {
        var (_, d) = Bind(Specs.Minimal(), [.. ValueOverride.ParseSet("spec.cpu.cores=many"), .. ValueOverride.ParseSet("spec.ssh.authorizedKeys[5]=x")]);
        var type = d.Items.Single(x => x.Path == "spec.cpu.cores");
        Assert.Equal("--set spec.cpu.cores", type.Location.Origin); // the path, never the value (it may be a credential)
        Assert.Contains(d.Items, x => x.Rule == "set-path" && x.Message.Contains("past the end of a list of 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Set_null_removes_a_field()
    {
        var (device, d) = Bind(Specs.Minimal(extraSpec: "memory: 6Gi"), [.. ValueOverride.ParseSet("spec.memory=null")]);
        Assert.False(d.HasErrors);
        Assert.Equal("4Gi", device.Spec.Memory);
    }

    [Fact]
    public void Set_file_reads_content_as_a_string()
    {
        var o = ValueOverride.ParseSetFile("spec.ssh.authorizedKeys[0]=key.pub", _ => "  " + TestKeys.Ed25519 + "\n");
        var (device, d) = Bind(Specs.Minimal(), o);
        Assert.False(d.HasErrors);
        Assert.Equal(TestKeys.Ed25519, device.Spec.Ssh.AuthorizedKeys[0].Trim());
    }

    [Theory]
    [InlineData("=3")]
    [InlineData("spec.cpu.cores")]
    [InlineData("spec..cores=3")]
    [InlineData("spec.ports[x]=3")]
    [InlineData("[0]=3")]
    public void Malformed_set_expressions_are_usage_errors(string expression) =>
        Assert.Throws<OverrideException>(() => ValueOverride.ParseSet(expression));
}
