using System.Text.Json;
using System.Text.Json.Nodes;
using KVEdge.Testing.ApiServer;

/// <summary>
/// The e2e harness's qemu guest behind the simulator (<see cref="IGuestMachine"/>), asked over this process's standard
/// streams, one request at a time: "stop NS NAME" (answered "stopped"), "boot NS NAME OBJECTS_FILE" (the VM and what it
/// refers to, as `kvedge template -o json` writes them; answered "booted" once the guest agent answers), "probe NS
/// NAME" (answered "EXITCODE OUTPUT", the readiness probe run through the agent).
/// </summary>
internal sealed class LineGuest(string folder) : IGuestMachine, IDisposable
{
    private readonly SemaphoreSlim _one = new(1, 1);
    private int _boots;

    public async Task StopAsync(string ns, string name, CancellationToken cancellationToken) =>
        await AskAsync($"stop {ns} {name}", cancellationToken);

    public async Task BootAsync(JsonObject vm, IReadOnlyList<JsonObject> objects, CancellationToken cancellationToken)
    {
        var file = Path.Combine(folder, $"boot-{Interlocked.Increment(ref _boots)}.json");
        var list = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = new JsonArray([.. objects.Select(o => (JsonNode?)o.DeepClone())]) };
        await File.WriteAllTextAsync(file, list.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        await AskAsync($"boot {vm["metadata"]!["namespace"]} {vm["metadata"]!["name"]} {file}", cancellationToken);
    }

    public async Task<(int ExitCode, string Output)> ProbeAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var answer = await AskAsync($"probe {ns} {name}", cancellationToken);
        var space = answer.IndexOf(' ', StringComparison.Ordinal);
        var code = space < 0 ? answer : answer[..space];
        return (int.TryParse(code, out var exitCode) ? exitCode : 1, space < 0 ? "" : answer[(space + 1)..]);
    }

    private async Task<string> AskAsync(string request, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            Console.Out.WriteLine(request);
            Console.Out.Flush();
            return await Console.In.ReadLineAsync(cancellationToken) ?? throw new OperationCanceledException("the harness closed the guest's channel");
        }
        finally
        {
            _one.Release();
        }
    }

    public void Dispose() => _one.Dispose();
}
