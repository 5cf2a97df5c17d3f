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
        var command = new Command("add", "Add a vault: scan it now and watch it from then on.") { name, path };
        command.SetGrainAction(async (parse, connection, cancellationToken) =>
        {
            var root = Path.GetFullPath(parse.GetValue(path)!);
            var vaultName = parse.GetValue(name)!;
            var grain = connection.Client.GetGrain<IVaultGrain>(vaultName);
            VaultScanResult result;
            if (parse.WantsJson())
            {
                result = await grain.AddAsync(root);
                CommandRunner.PrintJson(new { vault = vaultName, root, result });
                return 0;
            }
            result = await CommandRunner.Screen.Status().StartAsync($"scanning {Markup.Escape(root)}", _ => grain.AddAsync(root));
            CommandRunner.Screen.MarkupLine($"vault [bold]{Markup.Escape(vaultName)}[/]: {result.Created} new, {result.Updated} updated, {result.Unchanged} unchanged, {result.Deleted} deleted, {result.Skipped} skipped, {result.Failed} failed");
            return 0;
        });
        return command;
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
            var files = parse.GetValue(all) ? status.Files : status.Files.Where(f => f.Status != DocumentStatus.Stored).ToList();
            if (files.Count > 0)
            {
                var table = new Table().AddColumns("file", "status", "why");
                foreach (var file in files)
                {
                    table.AddRow(Markup.Escape(file.Path), file.Status.ToString().ToLowerInvariant(), Markup.Escape(file.Reason ?? ""));
                }
                screen.Write(table);
            }
            return 0;
        });
        return command;
    }
}
