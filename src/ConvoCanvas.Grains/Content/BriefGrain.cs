using System.Runtime.CompilerServices;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Content.Brief;
using ConvoCanvas.Grains.Models;
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

    /// <summary>The model window used when none is asked for, unless the model's own context is smaller.</summary>
    public const int DefaultModelWindow = 8_192;

    /// <summary>The smallest model window a map-reduce brief works in: a piece, and the answer's room.</summary>
    public const int SmallestModelWindow = 2 * ModelBrief.AnswerTokens;

    private async IAsyncEnumerable<BriefEvent> MakeAsync(BriefRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (request.WindowTokens < 256)
        {
            throw new ArgumentException($"a brief needs a window of at least 256 tokens, not {request.WindowTokens}");
        }
        if (request.ModelWindow < SmallestModelWindow)
        {
            throw new ArgumentException($"the model's window must be at least {SmallestModelWindow:N0} tokens, not {request.ModelWindow}");
        }
        var grain = GrainFactory.GetGrain<IConversationGrain>(request.ConversationId);
        var conversation = await grain.GetAsync() ?? throw new ArgumentException($"no conversation '{request.ConversationId}'");
        string? noModel = request.UseModel ? null : "no model was asked for";
        if (noModel is null && (await grain.GetTokenReportAsync())?.TotalTokens is { } total && total <= request.WindowTokens)
        {
            // Nothing overflows: the conversation itself fits, and a model would only lose detail.
            noModel = $"the whole conversation ({total:N0} tokens) fits the window, so no model was needed";
        }
        ModelBriefResult? result = null;
        string? model = null;
        var window = 0;
        if (noModel is null)
        {
            var choice = await ChooseModelAsync(request);
            noModel = choice.Problem;
            model = choice.Model;
            window = choice.Window;
            if (choice.Model is not null)
            {
                yield return new BriefEvent { Type = BriefEvent.Progress, Text = $"{choice.Model}: pieces cut to its {choice.Window:N0}-token window", Model = model };
            }
        }
        if (noModel is null && model is not null)
        {
            async Task<string> Generate(string prompt, int maxTokens, CancellationToken token)
            {
                var answer = await ModelText.GenerateAsync(GrainFactory, new GenerationRequest
                {
                    Model = model,
                    Kind = request.Kind ?? TaskKinds.Summarise,
                    System = ModelBrief.System,
                    Prompt = prompt,
                    NumCtx = window,
                    MaxTokens = maxTokens,
                    Priority = ModelPriorities.Interactive,
                    Caller = request.Caller ?? $"brief {request.ConversationId}",
                }, token);
                model = answer.Model;
                return answer.Text;
            }
            var steps = new ModelBrief().StepsAsync(conversation, request.WindowTokens, window, Generate, cancellationToken).GetAsyncEnumerator(cancellationToken);
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

    /// <summary>
    /// The model (asked for, or the router's) and the window its pieces are cut to: the one asked for,
    /// or <see cref="DefaultModelWindow"/>, held to the model's own context length. A problem instead
    /// when no model can write the brief.
    /// </summary>
    private async Task<(string? Model, int Window, string? Problem)> ChooseModelAsync(BriefRequest request)
    {
        try
        {
            var model = request.Model
                ?? (await GrainFactory.GetGrain<IModelRouterGrain>(0).RouteAsync(request.Kind ?? TaskKinds.Summarise, null)).Model;
            var context = (await GrainFactory.GetGrain<IGpuSchedulerGrain>(GpuSchedulerGrain.Key).ListModelsAsync())
                .FirstOrDefault(m => m.Name == model)?.ContextLength ?? 0;
            var wanted = request.ModelWindow ?? DefaultModelWindow;
            var window = context > 0 ? Math.Min(wanted, context) : wanted;
            return window < SmallestModelWindow
                ? (null, 0, $"{model} takes only {context:N0} tokens, and a brief needs a model window of {SmallestModelWindow:N0}")
                : (model, window, null);
        }
        catch (ModelRequestException failure) when (ModelText.NoModel(failure) && !(failure.Problem == ModelProblem.UnknownModel && request.Model is not null))
        {
            return (null, 0, $"no model could write it: {failure.Message}");
        }
    }
}
