using System.CommandLine;
using System.Text;
using ConvoCanvas.Abstractions;

namespace ConvoCanvas.Cli.Commands;

/// <summary>
/// <c>ask "…"</c>: a question answered from the notes and conversations. The answer streams to stdout with
/// [n] citations, then the sources those numbers point at; the model's progress goes to stderr.
/// </summary>
internal static class AskCommand
{
    public static Command Create()
    {
        var question = new Argument<string>("question") { Description = "what to ask your notes and conversations" };
        var kind = new Option<string>("--kind") { Description = $"the task, for the router to pick a model: {string.Join(", ", TaskKinds.All.Where(k => k != TaskKinds.Embed))}", DefaultValueFactory = _ => TaskKinds.Chat };
        var model = new Option<string?>("--model") { Description = "a model by name instead of the router's choice" };
        var vault = new Option<string?>("--vault") { Description = "only this vault's notes" };
        var sourceKind = new Option<string?>("--only") { Description = "note or conversation: evidence of one kind" };
        var evidence = new Option<int>("--evidence") { Description = "how many passages to give the model (1-12)", DefaultValueFactory = _ => 6 };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "stop the answer after this many tokens" };
        var command = new Command("ask", "Answer a question from your notes and conversations, with [n] citations checked against the evidence.")
        {
            question, kind, model, vault, sourceKind, evidence, maxTokens,
        };
        command.SetGrainAction(async (parse, connection, cancellationToken) =>
        {
            var request = new AskRequest
            {
                Question = parse.GetValue(question)!,
                Kind = parse.GetValue(kind),
                Model = parse.GetValue(model),
                Vault = parse.GetValue(vault),
                SourceKind = parse.GetValue(sourceKind),
                Evidence = parse.GetValue(evidence),
                MaxTokens = parse.GetValue(maxTokens),
                Caller = $"cli {Environment.UserName}@{Environment.MachineName}",
            };
            var json = parse.WantsJson();
            await using var stdout = Console.OpenStandardOutput();
            IReadOnlyList<SearchHitView> sources = [];
            AskEvent? done = null;
            var streamed = new StringBuilder();
            await foreach (var e in connection.Client.GetGrain<IAskGrain>(Guid.NewGuid()).AskAsync(request, cancellationToken).WithCancellation(cancellationToken))
            {
                switch (e.Type)
                {
                    case AskEvent.EvidenceFound:
                        sources = e.Evidence;
                        if (!json)
                        {
                            Console.Error.WriteLine($"[{sources.Count} passages of evidence{(e.Detail is null ? "" : $"; {e.Detail}")}]");
                        }
                        break;
                    case GenerationEvent.Routed when !json:
                        Console.Error.WriteLine($"[{e.Detail}]");
                        break;
                    case GenerationEvent.Queued when !json:
                        Console.Error.WriteLine($"[queued for {e.Model}{(e.QueuePosition is > 0 ? $" behind {e.QueuePosition}" : "")}]");
                        break;
                    case AskEvent.Token when !json:
                        streamed.Append(e.Text);
                        await stdout.WriteAsync(Encoding.UTF8.GetBytes(e.Text!), cancellationToken);
                        await stdout.FlushAsync(cancellationToken);
                        break;
                    case AskEvent.Done:
                        done = e;
                        break;
                }
            }
            if (done is null)
            {
                throw new CliException("the answer ended before it was done");
            }
            if (json)
            {
                CommandRunner.PrintJson(new
                {
                    answer = done.Answer,
                    kind = done.AnswerKind,
                    model = done.Model,
                    citations = done.Citations.Select(n => Citation(n, sources[n - 1])),
                    removedCitations = done.RemovedCitations,
                    sources = sources.Select((s, i) => Citation(i + 1, s)),
                    detail = done.Detail,
                    stats = done.Stats,
                });
                return 0;
            }
            var text = new StringBuilder("\n");
            if (done.Answer is { } final && final != streamed.ToString())
            {
                // A last check removed something from what was streamed: the answer as it stands.
                text.Append("\n(after a last check of the citations:)\n").Append(final).Append('\n');
            }
            if (sources.Count > 0)
            {
                text.Append('\n');
                for (var n = 1; n <= sources.Count; n++)
                {
                    var source = sources[n - 1];
                    var mark = done.Citations.Contains(n) ? "*" : " ";
                    text.Append($"{mark}[{n}] {source.Title} — {Location(source)}\n");
                }
            }
            await stdout.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken);
            await stdout.FlushAsync(cancellationToken);
            if (done.Detail is { } detail && done.AnswerKind == AskEvent.ByModel)
            {
                Console.Error.WriteLine($"[{detail}]");
            }
            if (done.RemovedCitations > 0)
            {
                Console.Error.WriteLine($"[{done.RemovedCitations} citation(s) pointed at no evidence and were removed]");
            }
            if (done.Stats is not null)
            {
                Console.Error.WriteLine(ChatCommand.StatsLine(done.Model!, done.Stats));
            }
            else if (done.AnswerKind == AskEvent.Extractive)
            {
                Console.Error.WriteLine("[quoted from the evidence: no model answered]");
            }
            return 0;
        });
        return command;
    }

    /// <summary>A citation as <c>--json</c> prints it: <c>path</c> is the vault-relative path of a note or the conversation id.</summary>
    private static object Citation(int n, SearchHitView source) => new
    {
        n,
        sourceId = source.SourceId,
        kind = source.Kind,
        title = source.Title,
        path = source.Path,
        vault = source.Vault,
        anchor = source.Anchor,
        heading = source.Heading,
    };

    private static string Location(SearchHitView source) => source.Kind == "note"
        ? $"{source.Vault}/{source.Path}{(source.Anchor is null ? "" : "#" + source.Anchor.TrimStart('#'))}"
        : $"{source.Source} conversation {source.Path}{(source.Anchor is null ? "" : $" (message {source.Anchor})")}";
}
