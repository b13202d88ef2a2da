using System.Text.Json.Nodes;
using KVEdge.Core.Spec;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Spec;

/// <summary>
/// .NET's `$` matches before a final "\n" and Go's (helm's schema check) does not: a pattern anchored with `$` let a
/// trailing newline through kvedge that the chart refused, and into the files the value lands in. Every anchored
/// pattern, the spec's and the CLI's, ends with `\z` and refuses a value it accepts once "\n" is added.
/// </summary>
public class SpecConstraintsTests
{
    // At least one of these matches each anchored pattern (the test says which pattern has none, to add one).
    private static readonly string[] Samples =
    [
        "edge-01", "edge01", "a", "4Gi", "10m", "Skylake-Server", "0123abcd-0123-0123-0123-0123456789ab", "02:00:00:00:00:01",
        "00:00:00:00:00:00", "quay.io/kvedge/ubuntu:24.04", "https://example.com/disk.img", "gs://bucket/disk.img",
        "sha256:" + new string('a', 64), "docker://quay.io/kvedge/ubuntu:24.04", "oci-archive://disk.tar", "azureuser",
        TestKeys.Ed25519, "1.5.21", "1.5.4-1", "27.3.1-ubuntu24.04u1", "noble", "-----BEGIN PGP PUBLIC KEY BLOCK-----",
        "hub-a.azure-devices.net", "dps-1.azure-devices-provisioning.net", "device:01", "0ne00000A0A", "https://global.azure-devices-provisioning.net", "10.0.0.0/8",
        "10.0.0.1", "fd00::1", "fd00::/64", "http://proxy.example.com:3128", ".svc", "*.example.com", "*", "/var/lib/kvedge-data",
        "/etc", "/var", "app.kubernetes.io/name", "example.com/key", "kvedge.io/x", "value", "KV_CS", "1d", "2026-12-01 10:00",
        "https://packages.microsoft.com/ubuntu/24.04/prod", "file:///srv/repo", "edgeHub", "c2VjcmV0LWtleS1mb3ItZ3Vlc3QtdmVyYnMtdGVzdHM=", "10%",
    ];

    // Patterns that refuse rather than admit: userinfo before a URL's host (a prefix is all it tests) and the shape of a
    // symmetric key (trailing blanks, a newline among them, are part of that shape).
    private static readonly string[] Prefixes = [KVEdge.Core.Validation.DeviceValidator.UrlUserinfoPattern, "^\\s*[A-Za-z0-9+/=_-]{43,}\\s*\\z"];

    public static TheoryData<string, string> Patterns()
    {
        var data = new TheoryData<string, string>();
        foreach (var (where, pattern) in SchemaPatterns().Concat(CodePatterns()).Where(p => p.Pattern.StartsWith('^') && !Prefixes.Contains(p.Pattern)).Distinct())
        {
            data.Add(where, pattern);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Every_anchored_pattern_refuses_a_trailing_newline(string where, string pattern)
    {
        AnchoredPatterns.AssertRefusesTrailingNewline(where, pattern, Samples);
    }

    [Fact]
    public void The_patterns_are_found()
    {
        // The walk and the reflection see every constraint: a change that hid them would make the theory vacuous.
        Assert.True(SchemaPatterns().Count(p => p.Pattern.StartsWith('^')) >= 35);
        Assert.True(CodePatterns().Count() >= 25);
    }

    private static IEnumerable<(string Where, string Pattern)> SchemaPatterns()
    {
        foreach (var (field, schema) in SpecConstraints.All())
        {
            foreach (var pattern in Walk(schema))
            {
                yield return ($"spec.{field}", pattern);
            }
        }
    }

    private static IEnumerable<string> Walk(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    if (k == "pattern" && v is JsonValue value && value.TryGetValue<string>(out var p))
                    {
                        yield return p;
                    }
                    else
                    {
                        foreach (var inner in Walk(v))
                        {
                            yield return inner;
                        }
                    }
                }

                break;
            case JsonArray a:
                foreach (var inner in a.SelectMany(Walk))
                {
                    yield return inner;
                }

                break;
        }
    }

    private static IEnumerable<(string Where, string Pattern)> CodePatterns() => AnchoredPatterns.In(typeof(SpecConstraints).Assembly);
}
