using KVEdge.Core.Actions;
using KVEdge.Core.Input;
using KVEdge.Core.Output;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Rendering;

public class DeterminismTests
{
    [Fact]
    public void Same_input_gives_the_same_bytes()
    {
        var first = RenderFixtures.RenderYaml("examples/fleet.yaml");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(first, RenderFixtures.RenderYaml("examples/fleet.yaml"));
        }
    }

    [Fact]
    public void The_order_keys_are_written_in_does_not_change_the_output()
    {
        var a = Specs.Minimal(extraSpec: "cpu: {cores: 4, sockets: 1}\nplacement:\n  nodeSelector: {b: \"2\", a: \"1\"}").Replace("  namespace: factory-a\n", "  namespace: factory-a\n  labels: {z: \"1\", a: \"2\"}\n", StringComparison.Ordinal);
        var b = Specs.Minimal(extraSpec: "placement:\n  nodeSelector: {a: \"1\", b: \"2\"}\ncpu: {sockets: 1, cores: 4}").Replace("  namespace: factory-a\n", "  namespace: factory-a\n  labels: {a: \"2\", z: \"1\"}\n", StringComparison.Ordinal);
        Assert.Equal(Render(a), Render(b));
    }

    [Fact]
    public void Derived_mac_and_uuid_do_not_depend_on_other_devices_in_the_fleet()
    {
        var alone = Render(Specs.Minimal("edge-07"));
        var inFleet = Render(Specs.Minimal("edge-01") + "\n---\n" + Specs.Minimal("edge-07"));
        Assert.EndsWith(alone, inFleet, StringComparison.Ordinal);
    }

    private static string Render(string yaml)
    {
        var result = TemplateAction.Run([new InputFile("t.yaml", yaml)], [], "default");
        Assert.False(result.Diagnostics.HasErrors, string.Join("\n", result.Diagnostics.Items));
        return ManifestSerializer.ToYaml(result.Devices);
    }
}
