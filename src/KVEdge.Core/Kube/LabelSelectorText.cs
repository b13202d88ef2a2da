using System.Text.RegularExpressions;

namespace KVEdge.Core.Kube;

/// <summary>
/// A label selector's text as the API server parses it (kubernetes v1.35 staging/src/k8s.io/apimachinery/pkg/labels/
/// selector.go): comma-separated requirements, each `key`, `!key`, `key=value`, `key==value`, `key!=value`,
/// `key in (a,b)` or `key notin (a,b)`; keys and values as labels allow (an optional DNS-subdomain prefix, 63-character
/// names). Checked before anything is applied, so a typo is exit 2, not a 400 halfway through.
/// </summary>
public static partial class LabelSelectorText
{
    public static bool IsValid(string text) => text.Length <= 4096 && Selector().IsMatch(text);

    private const string Name = "[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";
    private const string Key = @"(?:[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)*/)?" + Name;
    private const string Value = "(?:" + Name + ")?";
    private const string Requirement = " *(?:!" + Key + "|" + Key + " *(?:(?:==?|!=) *" + Value + "| +(?:in|notin) *\\( *" + Value + " *(?:, *" + Value + " *)*\\))?) *";

    [GeneratedRegex(@"\A" + Requirement + "(?:," + Requirement + @")*\z")]
    private static partial Regex Selector();
}
