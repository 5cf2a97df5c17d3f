using System.CommandLine;
using ConvoCanvas.Cli;
using ConvoCanvas.Cli.Commands;

var root = new RootCommand("ConvoCanvas: your AI conversations and notes, searchable and durable, on an Orleans cluster.");
root.Options.Add(GlobalOptions.Gateway);
root.Options.Add(GlobalOptions.ClusterId);
root.Options.Add(GlobalOptions.Json);

root.Subcommands.Add(ImportCommand.Create());
root.Subcommands.Add(ConversationsCommand.Create());
root.Subcommands.Add(VaultCommand.Create());
root.Subcommands.Add(SearchCommand.Create());
root.Subcommands.Add(StatsCommand.Create());
root.Subcommands.Add(ModelsCommand.Create());
root.Subcommands.Add(GpuCommand.Create());
root.Subcommands.Add(ChatCommand.Create());
root.Subcommands.Add(AskCommand.Create());
root.Subcommands.Add(SeriesCommand.Create());
root.Subcommands.Add(ClusterCommand.Create());

return await root.Parse(args).InvokeAsync();
