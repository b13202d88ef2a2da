namespace KVEdge.Core.Spec;

public sealed class PackageRepositorySpec
{
    /// <summary>APT repository; unset means packages.microsoft.com for the guest's OS (read from /etc/os-release at boot).</summary>
    public string? Url { get; set; }

    /// <summary>Distribution (suite), e.g. noble; required with url.</summary>
    public string? Suite { get; set; }

    public IList<string> Components { get; set; } = ["main"];

    /// <summary>ASCII-armored signing key; defaults to Microsoft's packages key.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Accept an unsigned repository (a local mirror under your control); never for the Internet.</summary>
    public bool Trusted { get; set; }
}
