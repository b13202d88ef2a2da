using KVEdge.Cli;
using KVEdge.Cli.Console;

using var console = new SystemConsole();
var code = CliApp.Run(args, console);
console.StdOut.Flush();
return code;
