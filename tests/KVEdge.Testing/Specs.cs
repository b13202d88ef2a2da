namespace KVEdge.Testing;

/// <summary>Small valid specs for tests to start from.</summary>
public static class Specs
{
    public static string Minimal(string name = "edge-01", string? extraSpec = null) => $"""
        apiVersion: kvedge.io/v1alpha1
        kind: EdgeDevice
        metadata:
          name: {name}
          namespace: factory-a
        spec:
          ssh:
            authorizedKeys:
              - "{TestKeys.Ed25519}"
        {Indent(extraSpec)}
        """;

    private static string Indent(string? text) => text is null ? "" : string.Join("\n", text.Split('\n').Select(l => "  " + l));
}
