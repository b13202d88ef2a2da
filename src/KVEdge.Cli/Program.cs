using KVEdge.Cli;
using KVEdge.Cli.Console;

using var console = new SystemConsole();
var code = await CliApp.RunAsync(args, console);
console.StdOut.Flush();
return code;
