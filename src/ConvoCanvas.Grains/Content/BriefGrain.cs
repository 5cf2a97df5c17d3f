using System.Runtime.CompilerServices;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Content.Brief;
using ConvoCanvas.Ingest.Tokens;
using Microsoft.Extensions.Logging;

namespace ConvoCanvas.Grains.Content;

/// <summary>
/// A continuation brief written by a model: the conversation read in pieces that fit the model's window,
/// the notes merged, the last turns added, the whole cut to the target window by token count
/// (<see cref="ModelBrief"/>). When no model can serve, the extractive brief instead, saying why.
/// </summary>
public sealed class BriefGrain(ILogger<BriefGrain> logger) : Grain, IBriefGrain
{
    public async IAsyncEnumerable<BriefEvent> BriefAsync(BriefRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            await foreach (var e in MakeAsync(request, cancellationToken).WithCancellation(cancellationToken))
            {
                yield return e;
            }
        }
        finally
        {
            DeactivateOnIdle();
        }
    }

    private async IAsyncEnumerable<BriefEvent> MakeAsync(BriefRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (request.WindowTokens < 256)
        {
            throw new ArgumentException($"a brief needs a window of at least 256 tokens, not {request.WindowTokens}");
        }
        if (request.ModelWindow < 2_048)
        {
            throw new ArgumentException($"the model's window must be at least 2,048 tokens, not {request.ModelWindow}");
        }
        var grain = GrainFactory.GetGrain<IConversationGrain>(request.ConversationId);
        var conversation = await grain.GetAsync() ?? throw new ArgumentException($"no conversation '{request.ConversationId}'");
        string? noModel = request.UseModel ? null : "no model was asked for";
        ModelBriefResult? result = null;
        string? model = null;
        if (request.UseModel)
        {
            async Task<string> Generate(string prompt, int maxTokens, CancellationToken token)
            {
                var answer = await ModelText.GenerateAsync(GrainFactory, new GenerationRequest
                {
                    Model = request.Model,
                    Kind = request.Kind ?? TaskKinds.Summarise,
                    System = ModelBrief.System,
                    Prompt = prompt,
                    NumCtx = request.ModelWindow,
                    MaxTokens = maxTokens,
                    Priority = ModelPriorities.Interactive,
                    Caller = request.Caller ?? $"brief {request.ConversationId}",
                }, token);
                model = answer.Model;
                return answer.Text;
            }
            var steps = new ModelBrief().StepsAsync(conversation, request.WindowTokens, request.ModelWindow, Generate, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    BriefStep step;
                    try
                    {
                        if (!await steps.MoveNextAsync())
                        {
                            break;
                        }
                        step = steps.Current;
                    }
                    catch (ModelRequestException failure) when (ModelText.NoModel(failure) && !(failure.Problem == ModelProblem.UnknownModel && request.Model is not null))
                    {
                        noModel = $"no model could write it: {failure.Message}";
                        break;
                    }
                    if (step.Result is { } done)
                    {
                        result = done;
                    }
                    else
                    {
                        yield return new BriefEvent { Type = BriefEvent.Progress, Text = step.Progress, Model = model };
                    }
                }
            }
            finally
            {
                await steps.DisposeAsync();
            }
        }
        if (result is not null)
        {
            logger.LogInformation("Brief of {Conversation} by {Model}: {Tokens} of {Window} tokens from {Pieces} pieces in {Calls} model calls", request.ConversationId, model, result.Tokens, request.WindowTokens, result.Pieces, result.ModelCalls);
            yield return new BriefEvent
            {
                Type = BriefEvent.Done,
                Markdown = result.Markdown,
                Kind = "model",
                Tokens = result.Tokens,
                WindowTokens = request.WindowTokens,
                Pieces = result.Pieces,
                ModelCalls = result.ModelCalls,
                Model = model,
            };
            yield break;
        }
        var extractive = await grain.GetBriefAsync(request.WindowTokens) ?? "";
        yield return new BriefEvent
        {
            Type = BriefEvent.Done,
            Markdown = extractive,
            Kind = "extractive",
            Tokens = TokenCounter.Default.Count(extractive),
            WindowTokens = request.WindowTokens,
            Detail = noModel,
        };
    }
}
