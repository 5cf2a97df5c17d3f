using System.CommandLine;
using ConvoCanvas.Abstractions;
using Spectre.Console;

namespace ConvoCanvas.Cli.Commands;

internal static class SearchCommand
{
    public static Command Create()
    {
        var query = new Argument<string>("query") { Description = "what you are looking for, in your own words" };
        var limit = new Option<int>("--limit", "-n") { Description = "how many results", DefaultValueFactory = _ => 10 };
        var kind = new Option<string?>("--kind") { Description = "note or conversation (default: both)" };
        var source = new Option<string[]>("--source") { Description = "only these export sources or vaults (chatgpt, claude-ai, claude-code, librechat, openwebui, or a vault name)", AllowMultipleArgumentsPerToken = true };
        var vault = new Option<string?>("--vault") { Description = "only notes of this vault" };
        var path = new Option<string?>("--path") { Description = "only notes under this vault-relative path prefix" };
        var tag = new Option<string[]>("--tag") { Description = "only notes with this tag (repeat for all of several; nested tags match)", AllowMultipleArgumentsPerToken = true };
        var since = new Option<string?>("--since") { Description = "on or after this date (2025-03-01)" };
        var until = new Option<string?>("--until") { Description = "on or before this date" };
        var model = new Option<string?>("--model") { Description = "only conversations with this model" };
        var mode = new Option<string?>("--mode") { Description = "hybrid (default), vector or keyword" };
        var command = new Command("search", "Search notes and conversations together, by meaning and by keyword.")
        {
            query, limit, kind, source, vault, path, tag, since, until, model, mode,
        };
        command.SetGrainAction(async (parse, connection, _) =>
        {
            var request = new SearchRequest
            {
                Query = parse.GetValue(query) ?? "",
                Limit = parse.GetValue(limit),
                Kind = parse.GetValue(kind),
                Sources = parse.GetValue(source) ?? [],
                Vault = parse.GetValue(vault),
                PathPrefix = parse.GetValue(path),
                Tags = parse.GetValue(tag) ?? [],
                Since = Date(parse.GetValue(since), "--since", endOfDay: false),
                Until = Date(parse.GetValue(until), "--until", endOfDay: true),
                Model = parse.GetValue(model),
                Mode = parse.GetValue(mode),
            };
            var response = await connection.Client.GetGrain<ISearchGrain>(0).SearchAsync(request);
            foreach (var warning in response.Warnings)
            {
                Console.Error.WriteLine($"warning: {warning}");
            }
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(response.Hits.Select(h => new
                {
                    title = h.Title,
                    source = h.Source,
                    path = h.Path,
                    anchor = h.Anchor,
                    snippet = Marked(h, "**", "**"),
                    score = Math.Round(h.Score, 6),
                }));
                return 0;
            }
            var screen = CommandRunner.Screen;
            if (response.Hits.Count == 0)
            {
                screen.MarkupLine("[grey]no results[/]");
            }
            var n = 0;
            foreach (var hit in response.Hits)
            {
                n++;
                var where = hit.Kind == "note" ? $"{hit.Vault}/{hit.Path}{(hit.Anchor is null ? "" : "#" + hit.Anchor)}" : $"{hit.Path}{(hit.Anchor is null ? "" : " @ " + hit.Anchor)}";
                screen.MarkupLine($"[bold]{n}. {Markup.Escape(hit.Title)}[/] [grey]{hit.Kind} · {Markup.Escape(where)} · {hit.Score:F4}[/]");
                screen.MarkupLine("   " + Marked(hit, "[yellow]", "[/]", escape: true));
            }
            screen.MarkupLine($"[grey]{response.Hits.Count} results in {response.ElapsedMs:F0} ms{(response.Partial ? " (partial: keyword results only)" : "")}[/]");
            return 0;
        });
        return command;
    }

    /// <summary>The snippet with its highlighted terms wrapped (markdown bold for JSON, a colour on screen).</summary>
    private static string Marked(SearchHitView hit, string open, string close, bool escape = false)
    {
        var snippet = hit.Snippet;
        var builder = new System.Text.StringBuilder();
        var at = 0;
        foreach (var range in hit.Highlights.Where(r => r.Length == 2).OrderBy(r => r[0]))
        {
            var (start, length) = (range[0], range[1]);
            if (start < at || start + length > snippet.Length)
            {
                continue;
            }
            builder.Append(Text(snippet[at..start])).Append(open).Append(Text(snippet.Substring(start, length))).Append(close);
            at = start + length;
        }
        return builder.Append(Text(snippet[at..])).ToString();

        string Text(string s) => escape ? Markup.Escape(s) : s;
    }

    private static DateTimeOffset? Date(string? text, string option, bool endOfDay)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", out var day))
        {
            return new DateTimeOffset(day.ToDateTime(endOfDay ? TimeOnly.MaxValue : TimeOnly.MinValue), TimeSpan.Zero);
        }
        return DateTimeOffset.TryParse(text, out var at) ? at : throw new CliException($"{option} must be a date like 2025-03-01, not '{text}'");
    }
}
