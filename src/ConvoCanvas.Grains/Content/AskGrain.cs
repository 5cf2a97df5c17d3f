using System.Runtime.CompilerServices;
using System.Text;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Abstractions.Client;
using ConvoCanvas.Content.Ask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoCanvas.Grains.Content;

/// <summary>
/// Answers a question from the notes and conversations: hybrid search for evidence, a prompt with the
/// evidence numbered, the router's model under a GPU lease, and the answer streamed with its citations
/// checked (<see cref="CitationFilter"/>). No evidence: it says so and asks no model. No model: it quotes
/// the evidence instead (<see cref="ExtractiveAnswer"/>). One activation per question; it keeps nothing
/// and goes once the answer is done.
/// </summary>
public sealed class AskGrain(IOptions<AskOptions> options, ILogger<AskGrain> logger) : Grain, IAskGrain
{
    public async IAsyncEnumerable<AskEvent> AskAsync(AskRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            await foreach (var e in AnswerAsync(request, cancellationToken).WithCancellation(cancellationToken))
            {
                yield return e;
            }
        }
        finally
        {
            // One question per activation: it goes once this answer is done (or abandoned).
            DeactivateOnIdle();
        }
    }

    private async IAsyncEnumerable<AskEvent> AnswerAsync(AskRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var question = Validate(request);
        var prompt = new AskPrompt { AnswerTokens = Math.Clamp(request.MaxTokens ?? 1_024, 16, 4_096) };
        var search = await GrainFactory.GetGrain<ISearchGrain>(0).SearchAsync(new SearchRequest
        {
            Query = question,
            Limit = Math.Clamp(request.Evidence, 1, 12),
            Kind = request.Vault is null ? request.SourceKind : "note",
            Vault = request.Vault,
            IncludeText = true,
        });
        // Nearest neighbours are not evidence unless they are near: a keyword match, or similar enough in meaning.
        var evidence = search.Hits.Where(h => h.KeywordRank is not null || h.VectorSimilarity is not { } similarity || similarity >= options.Value.MinSimilarity).ToList();
        yield return new AskEvent { Type = AskEvent.EvidenceFound, Evidence = evidence, Detail = search.Warnings.Count == 0 ? null : string.Join("; ", search.Warnings) };
        if (evidence.Count == 0)
        {
            var none = ExtractiveAnswer.NoEvidence(question);
            yield return new AskEvent { Type = AskEvent.Token, Text = none };
            yield return new AskEvent { Type = AskEvent.Done, Answer = none, AnswerKind = AskEvent.NoEvidence };
            yield break;
        }

        var passages = evidence.Select((hit, i) => new EvidencePassage(i + 1, hit.Title, Where(hit), hit.At, string.IsNullOrWhiteSpace(hit.Text) ? hit.Snippet : hit.Text)).ToList();
        var numCtx = prompt.ContextFor(question, passages);
        var generation = new GenerationRequest
        {
            Model = request.Model,
            Kind = request.Kind ?? TaskKinds.Chat,
            System = AskPrompt.System,
            Prompt = prompt.Build(question, passages, numCtx),
            NumCtx = numCtx,
            MaxTokens = prompt.AnswerTokens,
            Priority = ModelPriorities.Interactive,
            Caller = request.Caller ?? "ask",
        };
        var filter = new CitationFilter(passages.Count);
        var answer = new StringBuilder();
        string? model = null;
        string? noModel = null;
        string? stopped = null;
        GenerationStatsView? stats = null;
        var events = GrainFactory.GenerateAsync(generation, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                GenerationEvent e;
                try
                {
                    if (!await events.MoveNextAsync())
                    {
                        break;
                    }
                    e = events.Current;
                }
                catch (ModelRequestException failure) when (answer.Length == 0 && CanQuoteInstead(failure, request))
                {
                    noModel = failure.Message;
                    break;
                }
                catch (ModelRequestException failure) when (answer.Length > 0)
                {
                    stopped = $"the model stopped: {failure.Message}";
                    break;
                }
                model = e.Model;
                switch (e.Type)
                {
                    case GenerationEvent.Token:
                        var text = filter.Append(e.Text ?? "");
                        answer.Append(text);
                        if (text.Length > 0)
                        {
                            yield return new AskEvent { Type = AskEvent.Token, Text = text, Model = model };
                        }
                        break;
                    case GenerationEvent.Done:
                        stats = e.Stats;
                        break;
                    default:
                        yield return new AskEvent { Type = e.Type, Model = e.Model, Detail = e.Detail, QueuePosition = e.QueuePosition };
                        break;
                }
            }
        }
        finally
        {
            await events.DisposeAsync();
        }

        var rest = noModel is null ? filter.Finish() : "";
        if (noModel is null && answer.Length == 0 && rest.Trim().Length == 0)
        {
            noModel = $"{model} wrote nothing";
        }
        if (noModel is not null)
        {
            var quoted = ExtractiveAnswer.Build(passages, noModel);
            var (text, used, _) = CitationFilter.Settle(quoted, passages.Count);
            logger.LogInformation("Answered '{Question}' from {Evidence} passages without a model: {Why}", Short(question), passages.Count, noModel);
            yield return new AskEvent { Type = AskEvent.Token, Text = text };
            yield return new AskEvent { Type = AskEvent.Done, Answer = text, AnswerKind = AskEvent.Extractive, Citations = used, Detail = noModel };
            yield break;
        }
        answer.Append(rest);
        if (rest.Length > 0)
        {
            yield return new AskEvent { Type = AskEvent.Token, Text = rest, Model = model };
        }
        var settled = CitationFilter.Settle(answer.ToString(), passages.Count);
        var removed = filter.Removed + settled.Removed;
        logger.LogInformation("Answered '{Question}' with {Model} from {Evidence} passages: {Cited} cited, {Removed} citations removed", Short(question), model, passages.Count, settled.Used.Count, removed);
        yield return new AskEvent
        {
            Type = AskEvent.Done,
            Model = model,
            Answer = settled.Text,
            AnswerKind = AskEvent.ByModel,
            Citations = settled.Used,
            RemovedCitations = removed,
            Stats = stats,
            Detail = stopped,
        };
    }

    private static string Validate(AskRequest request)
    {
        var question = request.Question?.Trim() ?? "";
        if (question.Length == 0)
        {
            throw new ArgumentException("the question is empty");
        }
        if (question.Length > AskRequest.MaxQuestionCharacters)
        {
            throw new ArgumentException($"the question has {question.Length:N0} characters; at most {AskRequest.MaxQuestionCharacters:N0} are taken");
        }
        if (request.SourceKind is not (null or "note" or "conversation"))
        {
            throw new ArgumentException($"source kind '{request.SourceKind}' is not note or conversation");
        }
        if (request.Vault is not null && request.SourceKind == "conversation")
        {
            throw new ArgumentException($"a vault ('{request.Vault}') holds notes, not conversations: ask one or the other");
        }
        return question;
    }

    /// <summary>Ollama down, nothing that fits, nothing installed for the task: quote the evidence. A model the person named that is not there is their error to hear.</summary>
    private static bool CanQuoteInstead(ModelRequestException failure, AskRequest request) => failure.Problem switch
    {
        ModelProblem.Unavailable or ModelProblem.DoesNotFit or ModelProblem.Hung or ModelProblem.Failed => true,
        ModelProblem.UnknownModel => request.Model is null,
        _ => false,
    };

    /// <summary>Where a passage is, for the model and the person: a note's vault, path and heading, or a conversation's source and message.</summary>
    private static string Where(SearchHitView hit) => hit.Kind == "note"
        ? $"{hit.Vault ?? hit.Source}/{hit.Path}{(hit.Heading is { Length: > 0 } heading ? " › " + heading : "")}"
        : $"{hit.Source} conversation{(hit.Anchor is { Length: > 0 } message ? ", message " + message : "")}";

    private static string Short(string question) => question.Length <= 80 ? question : question[..80] + "…";
}
