using System.CommandLine;
using ConvoCanvas.Abstractions;
using Spectre.Console;

namespace ConvoCanvas.Cli.Commands;

internal static class ConversationsCommand
{
    public static Command Create()
    {
        var command = new Command("conversations", "List and read imported conversations.");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateShow());
        command.Subcommands.Add(CreateBrief());
        return command;
    }

    private static Command CreateList()
    {
        var source = new Option<string?>("--source") { Description = "only this source: " + string.Join(", ", ConvoCanvas.Ingest.Model.ConversationSources.All) };
        var model = new Option<string?>("--model") { Description = "only conversations that used this model" };
        var from = new Option<DateTimeOffset?>("--from") { Description = "last activity on or after this date" };
        var to = new Option<DateTimeOffset?>("--to") { Description = "last activity on or before this date" };
        var text = new Option<string?>("--title") { Description = "title contains this text" };
        var limit = new Option<int>("--limit") { Description = "how many", DefaultValueFactory = _ => 50 };
        var offset = new Option<int>("--offset") { Description = "skip this many" };
        var command = new Command("list", "List conversations, newest first.") { source, model, from, to, text, limit, offset };
        command.SetGrainAction(async (parse, connection, _) =>
        {
            var page = await connection.Client.GetGrain<IConversationCatalogGrain>(0).ListAsync(new ConversationQuery
            {
                Source = parse.GetValue(source),
                Model = parse.GetValue(model),
                From = parse.GetValue(from),
                To = parse.GetValue(to),
                Text = parse.GetValue(text),
                Limit = parse.GetValue(limit),
                Offset = parse.GetValue(offset),
            });
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(new { total = page.Total, items = page.Items });
                return 0;
            }
            var table = new Table().AddColumns("id", "title", "source", "models", "messages", "tokens", "updated");
            foreach (var row in page.Items)
            {
                table.AddRow(Markup.Escape(row.Id), Markup.Escape(Truncate(row.Title, 48)), row.Source, Markup.Escape(string.Join(", ", row.Models)),
                    OnPath(row), row.TokenCount.ToString("N0"), CommandRunner.When(row.UpdatedAt ?? row.CreatedAt));
            }
            CommandRunner.Screen.Write(table);
            CommandRunner.Screen.MarkupLine($"[grey]{page.Items.Count} of {page.Total}[/]");
            return 0;
        });
        return command;
    }

    private static Command CreateBrief()
    {
        var id = new Argument<string>("id") { Description = "the conversation id, {source}:{external id}" };
        var window = new Option<string>("--window") { Description = "the window the brief must fit: tokens, or 8k, 32k (×1024)", DefaultValueFactory = _ => "8k" };
        var model = new Option<string?>("--model") { Description = "a model by name (else the router's summarise model)" };
        var kind = new Option<string?>("--kind") { Description = "the router's task kind" };
        var modelWindow = new Option<string?>("--model-window") { Description = "the model's own window, which the pieces are cut to fit (default 8k, or the model's context length when smaller)" };
        var noModel = new Option<bool>("--no-model") { Description = "the extractive brief, without a model" };
        var command = new Command("brief", "A continuation brief that fits a window, written by a model by map-reduce (extractive when no model can); ready to paste into a new chat.")
        {
            id, window, model, kind, modelWindow, noModel,
        };
        command.SetGrainAction(async (parse, connection, cancellationToken) =>
        {
            var request = new BriefRequest
            {
                ConversationId = parse.GetValue(id)!,
                WindowTokens = Tokens(parse.GetValue(window)!, "--window"),
                ModelWindow = parse.GetValue(modelWindow) is { } given ? Tokens(given, "--model-window") : null,
                Model = parse.GetValue(model),
                Kind = parse.GetValue(kind),
                UseModel = !parse.GetValue(noModel),
                Caller = $"cli {Environment.UserName}@{Environment.MachineName}",
            };
            var json = parse.WantsJson();
            BriefEvent? done = null;
            await foreach (var e in connection.Client.GetGrain<IBriefGrain>(Guid.NewGuid()).BriefAsync(request, cancellationToken).WithCancellation(cancellationToken))
            {
                if (e.Type == BriefEvent.Progress && !json)
                {
                    Console.Error.WriteLine($"[{e.Text}]");
                }
                else if (e.Type == BriefEvent.Done)
                {
                    done = e;
                }
            }
            if (done is null)
            {
                throw new CliException("the brief ended before it was done");
            }
            if (json)
            {
                CommandRunner.PrintJson(new { kind = done.Kind, markdown = done.Markdown, tokens = done.Tokens, window = done.WindowTokens, pieces = done.Pieces, modelCalls = done.ModelCalls, model = done.Model, detail = done.Detail });
                return 0;
            }
            Console.Out.Write(done.Markdown);
            Console.Error.WriteLine($"[{done.Kind} brief, {done.Tokens:N0} of {done.WindowTokens:N0} tokens{(done.Model is null ? "" : $", {done.Model}, {done.Pieces} part(s), {done.ModelCalls} model calls")}{(done.Detail is null ? "" : $"; {done.Detail}")}]");
            return 0;
        });
        return command;
    }

    /// <summary>A token count as people write it: <c>8192</c>, <c>8k</c> (8,192), <c>128K</c>.</summary>
    internal static int Tokens(string text, string option)
    {
        var value = text.Trim().ToLowerInvariant();
        var thousands = value.EndsWith('k');
        if (int.TryParse(thousands ? value[..^1] : value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number) && number > 0 && number <= (thousands ? 2_000_000 / 1024 : 2_000_000))
        {
            return thousands ? number * 1024 : number;
        }
        throw new CliException($"{option} '{text}' is not a number of tokens (8192, 8k)");
    }

    private static Command CreateShow()
    {
        var id = new Argument<string>("id") { Description = "the conversation id, {source}:{external id}" };
        var brief = new Option<int?>("--brief") { Description = "also print a continuation brief that fits this many tokens (e.g. 8192)" };
        var command = new Command("show", "Show a conversation: its transcript, token report and, with --brief, a continuation brief.") { id, brief };
        command.SetGrainAction(async (parse, connection, _) =>
        {
            var key = parse.GetValue(id)!;
            var grain = connection.Client.GetGrain<IConversationGrain>(key);
            var conversation = await grain.GetAsync() ?? throw new CliException($"no conversation '{key}' (see: conversations list)");
            var report = await grain.GetTokenReportAsync();
            var briefText = parse.GetValue(brief) is { } window ? await grain.GetBriefAsync(window) : null;
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(new { conversation, tokens = report, brief = briefText });
                return 0;
            }
            var screen = CommandRunner.Screen;
            screen.Write(new Rule($"[bold]{Markup.Escape(conversation.Title)}[/]").LeftJustified());
            screen.MarkupLine($"[grey]{Markup.Escape(conversation.Id)} · {CommandRunner.When(conversation.CreatedAt)} · {Markup.Escape(string.Join(", ", conversation.Models))}[/]");
            var byId = conversation.Messages.ToDictionary(m => m.Id);
            foreach (var messageId in conversation.ActivePath)
            {
                // Exports carry empty hidden system messages; they are kept, not shown.
                if (!byId.TryGetValue(messageId, out var message) || (message.Text.Length == 0 && message.Blocks.All(b => string.IsNullOrEmpty(b.Text))))
                {
                    continue;
                }
                var colour = message.Role switch { "user" => "blue", "assistant" => "green", "tool" => "yellow", _ => "grey" };
                screen.MarkupLine($"[{colour} bold]{message.Role}[/][grey]{(message.Author is null ? "" : " " + Markup.Escape(message.Author))} {CommandRunner.When(message.CreatedAt)}[/]");
                screen.WriteLine(message.Text);
                screen.WriteLine();
            }
            var offPath = conversation.Messages.Count - conversation.ActivePath.Count;
            if (offPath > 0)
            {
                screen.MarkupLine($"[grey]{offPath} more message(s) on other branches[/]");
            }
            if (report is not null)
            {
                var table = new Table().AddColumns("window", "fits", "overflows at");
                foreach (var fit in report.Windows)
                {
                    table.AddRow(fit.WindowTokens.ToString("N0"), fit.Overflows ? "[red]no[/]" : "[green]yes[/]",
                        fit.Overflows ? $"message {fit.OverflowAtIndex + 1} ({Markup.Escape(fit.OverflowAtMessageId ?? "")})" : "");
                }
                screen.MarkupLine($"[bold]{report.TotalTokens:N0} tokens[/] ({report.Tokenizer})");
                screen.Write(table);
            }
            if (briefText is not null)
            {
                screen.Write(new Rule("continuation brief").LeftJustified());
                screen.WriteLine(briefText);
            }
            return 0;
        });
        return command;
    }

    /// <summary>Messages on the active branch, and how many more sit on other branches.</summary>
    private static string OnPath(ConversationSummary row)
    {
        var onPath = row.MessageCount - row.OffPathMessageCount;
        return row.OffPathMessageCount > 0 ? $"{onPath:N0} (+{row.OffPathMessageCount:N0})" : onPath.ToString("N0");
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
