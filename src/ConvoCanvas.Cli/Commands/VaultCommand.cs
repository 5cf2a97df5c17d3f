using System.CommandLine;
using ConvoCanvas.Abstractions;
using Spectre.Console;

namespace ConvoCanvas.Cli.Commands;

internal static class VaultCommand
{
    public static Command Create()
    {
        var command = new Command("vault", "Markdown vaults (Obsidian folders) that the silo scans and watches.");
        command.Subcommands.Add(CreateAdd());
        command.Subcommands.Add(CreateStatus());
        return command;
    }

    private static Command CreateAdd()
    {
        var name = new Argument<string>("name") { Description = "a short name for the vault" };
        var path = new Argument<string>("path") { Description = "the vault folder, as the silo sees it" };
        var wait = new Option<bool>("--wait") { Description = "return once every note is in the search index, with a progress bar" };
        var timeout = new Option<int>("--timeout") { Description = "with --wait: give up after this many seconds", DefaultValueFactory = _ => 3600 };
        var command = new Command("add", "Add a vault: scan it now and watch it from then on.") { name, path, wait, timeout };
        command.SetGrainAction(async (parse, connection, cancellationToken) =>
        {
            var root = Path.GetFullPath(parse.GetValue(path)!);
            var vaultName = parse.GetValue(name)!;
            var grain = connection.Client.GetGrain<IVaultGrain>(vaultName);
            VaultScanResult result;
            if (parse.WantsJson())
            {
                result = await grain.AddAsync(root);
                var indexed = parse.GetValue(wait) ? await WaitForIndexAsync(grain, TimeSpan.FromSeconds(parse.GetValue(timeout)), null, cancellationToken) : null;
                CommandRunner.PrintJson(new { vault = vaultName, root, result, index = indexed is null ? null : new { indexed.Indexed, pending = indexed.IndexPending, failed = indexed.IndexFailed } });
                return 0;
            }
            result = await CommandRunner.Screen.Status().StartAsync($"scanning {Markup.Escape(root)}", _ => grain.AddAsync(root));
            CommandRunner.Screen.MarkupLine($"vault [bold]{Markup.Escape(vaultName)}[/]: {result.Created} new, {result.Updated} updated, {result.Unchanged} unchanged, {result.Deleted} deleted, {result.Skipped} skipped, {result.Failed} failed");
            if (parse.GetValue(wait))
            {
                var status = await CommandRunner.Screen.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask("indexing", maxValue: 1);
                        return await WaitForIndexAsync(grain, TimeSpan.FromSeconds(parse.GetValue(timeout)), task, cancellationToken);
                    });
                CommandRunner.Screen.MarkupLine($"search index: {status.Indexed} indexed, {status.IndexPending} pending, {status.IndexFailed} failed");
            }
            return 0;
        });
        return command;
    }

    /// <summary>Polls the vault's coverage report until no note is pending in the search index.</summary>
    private static async Task<VaultStatus> WaitForIndexAsync(IVaultGrain grain, TimeSpan timeout, ProgressTask? task, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var status = await grain.GetStatusAsync();
            if (status.IndexPending is null)
            {
                throw new CliException("the silo has search turned off (ConvoCanvas:Search:Enabled), so there is nothing to wait for");
            }
            var total = status.Documents;
            var done = total - status.IndexPending.Value;
            if (task is not null)
            {
                task.MaxValue = Math.Max(1, total);
                task.Value = done;
                task.Description = $"indexing {done:N0}/{total:N0} notes";
            }
            if (status.IndexPending == 0)
            {
                return status;
            }
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new CliException($"gave up waiting after {timeout.TotalSeconds:N0} s: {status.IndexPending} notes still pending (see: vault status {status.Name} --all)");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    private static Command CreateStatus()
    {
        var name = new Argument<string>("name") { Description = "the vault's name" };
        var all = new Option<bool>("--all") { Description = "list every file, not only the skipped and failed ones" };
        var command = new Command("status", "Documents, skipped and failed files of a vault, with reasons.") { name, all };
        command.SetGrainAction(async (parse, connection, _) =>
        {
            var vaultName = parse.GetValue(name)!;
            var status = await connection.Client.GetGrain<IVaultGrain>(vaultName).GetStatusAsync();
            if (status.Root is null)
            {
                throw new CliException($"no vault '{vaultName}' (add it: vault add {vaultName} PATH)");
            }
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(status);
                return 0;
            }
            var screen = CommandRunner.Screen;
            screen.MarkupLine($"vault [bold]{Markup.Escape(status.Name)}[/] at {Markup.Escape(status.Root)}: {status.Documents} documents, {status.Skipped} skipped, {status.Failed} failed; last scan {CommandRunner.When(status.LastScanAt)}{(status.Watching ? ", watching" : "")}");
            if (status.IndexPending is not null)
            {
                screen.MarkupLine($"search index: {status.Indexed} indexed, {status.IndexPending} pending, {status.IndexFailed} failed");
            }
            var files = parse.GetValue(all) ? status.Files
                : status.Files.Where(f => f.Status != DocumentStatus.Stored || f.IndexStatus is "failed" or "pending").ToList();
            if (files.Count > 0)
            {
                var table = new Table().AddColumns("file", "status", "index", "why");
                foreach (var file in files)
                {
                    table.AddRow(Markup.Escape(file.Path), file.Status.ToString().ToLowerInvariant(), file.IndexStatus ?? "-", Markup.Escape(file.Reason ?? file.IndexReason ?? ""));
                }
                screen.Write(table);
            }
            return 0;
        });
        return command;
    }
}
