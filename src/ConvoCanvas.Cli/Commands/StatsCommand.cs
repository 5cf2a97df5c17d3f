using System.CommandLine;
using ConvoCanvas.Abstractions;
using Spectre.Console;

namespace ConvoCanvas.Cli.Commands;

internal static class StatsCommand
{
    public static Command Create()
    {
        var command = new Command("stats", "Counts of conversations, messages and tokens, by source and model, and the vaults.");
        command.SetGrainAction(async (parse, connection, _) =>
        {
            var stats = await connection.Client.GetGrain<IConversationCatalogGrain>(0).GetStatsAsync();
            var vaultNames = await connection.Client.GetGrain<IVaultRegistryGrain>(0).ListAsync();
            var vaults = await Task.WhenAll(vaultNames.Select(n => connection.Client.GetGrain<IVaultGrain>(n).GetStatusAsync()));
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(new
                {
                    conversations = stats.Conversations,
                    messages = stats.Messages,
                    tokens = stats.Tokens,
                    bySource = stats.BySource,
                    byModel = stats.ByModel,
                    vaults = vaults.Select(v => new { name = v.Name, documents = v.Documents, skipped = v.Skipped, failed = v.Failed }),
                });
                return 0;
            }
            var table = new Table().AddColumns("what", "count");
            table.AddRow("conversations", stats.Conversations.ToString("N0"));
            table.AddRow("messages", stats.Messages.ToString("N0"));
            table.AddRow("tokens (cl100k)", stats.Tokens.ToString("N0"));
            foreach (var (source, count) in stats.BySource.OrderBy(p => p.Key))
            {
                table.AddRow($"  from {Markup.Escape(source)}", count.ToString("N0"));
            }
            foreach (var vault in vaults)
            {
                table.AddRow($"vault {Markup.Escape(vault.Name)}", $"{vault.Documents:N0} documents, {vault.Skipped:N0} skipped, {vault.Failed:N0} failed");
            }
            CommandRunner.Screen.Write(table);
            return 0;
        });
        return command;
    }
}
