using System.Globalization;

namespace KVEdge.Core.Diagnostics;

/// <summary>
/// The path of a field in an input document, built rather than typed, as apimachinery's field.NewPath builds one
/// (k8s.io/apimachinery/pkg/util/validation/field/path.go): <see cref="Child"/> for a field, <see cref="Index"/> for a
/// list item, <see cref="Key"/> for a map entry. Printed as the API server prints it: spec.ports[0].name,
/// metadata.labels[app].
/// </summary>
public readonly record struct FieldPath
{
    private readonly string _text;

    private FieldPath(string text) => _text = text;

    public static FieldPath Root(string name) => new(name);

    public FieldPath Child(string name) => new(_text is null or "" ? name : $"{_text}.{name}");

    public FieldPath Index(int index) => new($"{_text}[{index.ToString(CultureInfo.InvariantCulture)}]");

    public FieldPath Key(string key) => new($"{_text}[{key}]");

    public override string ToString() => _text ?? "";
}
