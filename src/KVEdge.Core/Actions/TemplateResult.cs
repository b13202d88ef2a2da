using KVEdge.Core.Diagnostics;
using KVEdge.Core.Input;
using KVEdge.Core.Rendering;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>The devices as read (<see cref="Specs"/>) and, when all are valid, as rendered.</summary>
public sealed record TemplateResult(IReadOnlyList<BindingResult<EdgeDevice>> Specs, IReadOnlyList<RenderedDevice> Devices, DiagnosticBag Diagnostics);
