using System.CommandLine;
using ConvoCanvas.Abstractions;
using Spectre.Console;

namespace ConvoCanvas.Cli.Commands;

internal static class StatsCommand
{
    public static Command Create()
    {
        var command = new Command("stats", "Counts of conversations, messages and tokens, by source and model, the vaults and the search index.");
        command.SetGrainAction(async (parse, connection, _) =>
        {
            var stats = await connection.Client.GetGrain<IConversationCatalogGrain>(0).GetStatsAsync();
            var vaultNames = await connection.Client.GetGrain<IVaultRegistryGrain>(0).ListAsync();
            var vaults = await Task.WhenAll(vaultNames.Select(n => connection.Client.GetGrain<IVaultGrain>(n).GetStatusAsync()));
            var index = await connection.Client.GetGrain<ISearchGrain>(0).GetStatsAsync();
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
                    search = index,
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
            table.AddRow("search index", SearchLine(index));
            if (index.Switch is { } change)
            {
                table.AddRow("  embedder switch", Markup.Escape(change));
            }
            CommandRunner.Screen.Write(table);
            return 0;
        });
        return command;
    }

    /// <summary>"1,221 sources, 25,095 chunks, 25,095 vectors (minilm-l6-v2), 3 pending", or why there is no index.</summary>
    internal static string SearchLine(IndexStats index)
    {
        if (!index.Enabled)
        {
            return Markup.Escape(index.Problem ?? "search is off");
        }
        var vectors = index.Vectors is { } count ? $"{count:N0} vectors" : "vectors unknown";
        var line = $"{index.Sources:N0} sources, {index.Chunks:N0} chunks, {vectors} ({index.ServingEmbedder ?? index.Embedder}), {index.Pending:N0} pending";
        return Markup.Escape(index.Problem is { } problem ? $"{line}; {problem}" : line);
    }
}
