using System.CommandLine;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Abstractions.Client;
using ConvoCanvas.Ingest.Import;
using Spectre.Console;

namespace ConvoCanvas.Cli.Commands;

internal static class ImportCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("path")
        {
            Description = "export files, zips or folders: ChatGPT, Claude.ai, Claude Code (~/.claude/projects), LibreChat, Open WebUI",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("import", "Import AI-conversation exports; the same export twice changes nothing.") { paths };
        command.SetGrainAction(async (parse, connection, cancellationToken) =>
        {
            var inputs = parse.GetValue(paths)!;
            foreach (var input in inputs)
            {
                if (!File.Exists(input) && !Directory.Exists(input))
                {
                    throw new CliException($"'{input}' does not exist");
                }
            }
            var source = ImportSource.Of(string.Join(", ", inputs.Select(Path.GetFileName)), new ExportReader().Read(inputs, cancellationToken));
            var runner = new ImportRunner(connection.Client);

            ImportSummary summary;
            if (parse.WantsJson() || Console.IsErrorRedirected)
            {
                summary = await runner.RunAsync(source, cancellationToken: cancellationToken);
            }
            else
            {
                summary = await AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) })
                    .Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async context =>
                    {
                        var bar = context.AddTask("importing", maxValue: 1);
                        var progress = new Progress<ImportSummary>(s =>
                        {
                            bar.MaxValue = Math.Max(1, s.BytesTotal);
                            bar.Value = Math.Min(bar.MaxValue, s.BytesDone);
                            bar.Description = $"{s.New + s.Updated + s.Unchanged:N0} conversations, {s.Failed:N0} failed";
                        });
                        var result = await runner.RunAsync(source, progress, cancellationToken);
                        bar.Value = bar.MaxValue;
                        return result;
                    });
            }

            // The shape scripts rely on: one JSON object on stdout.
            CommandRunner.PrintJson(ImportReport.From(summary));
            return 0;
        });
        return command;
    }
}
