using KVEdge.Cli;
using KVEdge.Cli.Console;

return CliApp.Run(args, new SystemConsole());
