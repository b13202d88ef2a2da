using System.Runtime.CompilerServices;
using System.Text;

namespace KVEdge.Core.Files;

/// <summary>
/// Long strings bypass the JSON intermediate between the typed objects and the YAML. Every device of a fleet carries the
/// same large files on its config disk (the converge program and its units, the package signing key: one string
/// instance each, from <c>GuestFiles</c>), and escaping them into JSON and scanning them out again, once per device, was
/// the largest cost left in a fleet's profile. While a scope is open on a thread, <see cref="LongStringConverter"/>
/// writes such a string as a placeholder naming its slot; <see cref="YamlWriter"/> resolves the placeholder and writes
/// the string's YAML, worked out once per string instance and indent. The placeholder carries a random per-process
/// nonce, so no input string can pass for one.
/// </summary>
internal static class LongStrings
{
    public const int MinLength = 2048;

    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes($"kvedge-long-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))}-");
    private static readonly ConditionalWeakTable<string, YamlByIndent> Yaml = [];

    [ThreadStatic]
    private static List<string>? _slots;

    /// <summary>Opens a scope on this thread: placeholders written until <see cref="End"/> resolve to these strings.</summary>
    public static void Begin() => (_slots ??= []).Clear();

    public static void End() => _slots = null;

    /// <summary>The placeholder to write for <paramref name="value"/>, or null outside a scope (then it is written as it is).</summary>
    public static byte[]? Placeholder(string value)
    {
        if (_slots is not { } slots)
        {
            return null;
        }

        slots.Add(value);
        return [.. Prefix, .. Encoding.ASCII.GetBytes((slots.Count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture))];
    }

    /// <summary>The string a placeholder stands for, when <paramref name="raw"/> (a JSON string's bytes) is one of this scope's.</summary>
    public static bool TryResolve(ReadOnlySpan<byte> raw, out string value)
    {
        value = "";
        if (_slots is not { } slots || !raw.StartsWith(Prefix) || !int.TryParse(raw[Prefix.Length..], System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var slot) || slot >= slots.Count)
        {
            return false;
        }

        value = slots[slot];
        return true;
    }

    /// <summary>The YAML for <paramref name="value"/> at <paramref name="indent"/>, made by <paramref name="write"/> the first time.</summary>
    public static byte[] YamlFor(string value, int indent, Func<string, int, byte[]> write)
    {
        var byIndent = Yaml.GetValue(value, static _ => new YamlByIndent());
        lock (byIndent)
        {
            if (!byIndent.TryGetValue(indent, out var yaml))
            {
                byIndent[indent] = yaml = write(value, indent);
            }

            return yaml;
        }
    }

    private sealed class YamlByIndent : Dictionary<int, byte[]>;
}
