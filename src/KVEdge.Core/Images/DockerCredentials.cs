using System.Text;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Images;

/// <summary>Credentials for one registry from the docker config file ($DOCKER_CONFIG/config.json or ~/.docker/config.json).</summary>
public sealed record DockerCredentials(string BasicToken)
{
    public static DockerCredentials? For(string registry, string? configPath = null)
    {
        configPath ??= Path.Combine(Environment.GetEnvironmentVariable("DOCKER_CONFIG") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker"), "config.json");
        if (!File.Exists(configPath))
        {
            return null;
        }

        var auths = JsonNode.Parse(File.ReadAllText(configPath))?["auths"]?.AsObject();
        if (auths is null)
        {
            return null;
        }

        foreach (var (key, value) in auths)
        {
            var host = key.Replace("https://", "", StringComparison.Ordinal).Replace("http://", "", StringComparison.Ordinal).TrimEnd('/');
            if (host.EndsWith("/v1", StringComparison.Ordinal))
            {
                host = host[..^3];
            }

            if (string.Equals(host, registry, StringComparison.OrdinalIgnoreCase) && (string?)value?["auth"] is { Length: > 0 } auth)
            {
                return new DockerCredentials(auth);
            }
        }

        return null;
    }

    public override string ToString() => "DockerCredentials(<redacted>)";

    public static string Encode(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
}
