using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace KVEdge.Core.Files;

/// <summary>
/// How deep a YAML text nests, found from the parser's events without building anything (its state machine keeps an
/// explicit stack, not the call stack). YamlDotNet's representation model and deserializer recurse once per level,
/// and about 50,000 levels ended the process with a stack overflow: every YAML kvedge reads (specs, --set values,
/// kubeconfigs) is checked first. go-yaml, kubectl's, stops at 10,000.
/// </summary>
public static class YamlDepth
{
    /// <summary>A spec's deepest field is under ten levels, a kubeconfig's about five.</summary>
    public const int Max = 64;

    /// <summary>Where the first collection deeper than <see cref="Max"/> opens, or null. A syntax error is left to the real parse.</summary>
    public static Mark? FirstTooDeep(string text)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case MappingStart or SequenceStart:
                        if (++depth > Max)
                        {
                            return parser.Current.Start;
                        }

                        break;
                    case MappingEnd or SequenceEnd:
                        depth--;
                        break;
                }
            }
        }
        catch (YamlException)
        {
            return null;
        }

        return null;
    }
}
