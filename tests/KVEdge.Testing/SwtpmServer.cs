using System.Diagnostics;

namespace KVEdge.Testing;

/// <summary>
/// A real TPM 2.0 (swtpm, its state in a temporary folder) on 127.0.0.1, for tpm2-tools through its swtpm TCTI
/// (libtss2-tcti-swtpm0). A fresh folder is a new TPM: a new endorsement seed, so another endorsement key
/// (../shared/reference/real-tools.md, swtpm). What the tests run against where the e2e guest has a vTPM.
/// </summary>
public sealed class SwtpmServer : IDisposable
{
    private readonly Process _process;
    private readonly string _state;

    private SwtpmServer(Process process, string state, int port)
    {
        _process = process;
        _state = state;
        Tcti = $"swtpm:host=127.0.0.1,port={port}";
    }

    /// <summary>The value of TPM2TOOLS_TCTI that reaches this TPM.</summary>
    public string Tcti { get; }

    public static SwtpmServer Start()
    {
        var swtpm = ExternalTool.Require("swtpm");
        var state = Directory.CreateTempSubdirectory("kvedge-swtpm-").FullName;
        // tpm2-tss's swtpm TCTI finds the control channel at the next port (tss2-tcti-swtpm: ctrl port = port + 1).
        var port = LoopbackPort.FreePair();
        var control = port + 1;
        var start = new ProcessStartInfo(swtpm) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "socket", "--tpm2", "--tpmstate", $"dir={state}", "--server", $"type=tcp,bindaddr=127.0.0.1,port={port}",
            "--ctrl", $"type=tcp,bindaddr=127.0.0.1,port={control}", "--flags", "not-need-init,startup-clear" })
        {
            start.ArgumentList.Add(arg);
        }

        var server = new SwtpmServer(Process.Start(start)!, state, port);
        LoopbackPort.WaitForListener(port, server._process, "swtpm");
        return server;
    }

    /// <summary>Runs a tpm2-tools command against this TPM.</summary>
    public ToolResult Run(string tool, params string[] args) =>
        ExternalTool.Run("/usr/bin/env", ["TPM2TOOLS_TCTI=" + Tcti, ExternalTool.Require(tool), .. args]);

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        _process.Dispose();
        Directory.Delete(_state, true);
    }
}
