using System.Runtime.CompilerServices;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Inference.Ollama;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ConvoCanvas.Grains.Models;

/// <summary>
/// One Ollama model (key: its name). A request waits for a lease from the GPU scheduler, streams from
/// Ollama with the num_ctx the model is loaded with (so it never forces a reload), renews the lease
/// while tokens flow and returns it however the request ends: finished, failed, hung, or its caller
/// gone. Keeps the model's measured statistics (loads, load seconds, tokens/s, failures) durable.
/// </summary>
[Reentrant]
public sealed class ModelSlotGrain(
    IServiceProvider services,
    IOptions<ModelOptions> options,
    [PersistentState("model", ProviderNames.Storage)] IPersistentState<ModelStatsView> stats,
    ILogger<ModelSlotGrain> logger) : Grain, IModelSlotGrain
{
    /// <summary>How long one call to the scheduler waits for a lease before the slot checks on its caller and asks again.</summary>
    internal static readonly TimeSpan LeasePoll = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);

    private readonly OllamaGateway? _ollama = options.Value.Enabled ? services.GetService<OllamaGateway>() : null;
    private bool _writing;
    private bool _dirty;

    private string Model => this.GetPrimaryKeyString();

    private IGpuSchedulerGrain Scheduler => GrainFactory.GetGrain<IGpuSchedulerGrain>(GpuSchedulerGrain.Key);

    public async IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var ollama = _ollama ?? throw new ModelRequestException(ModelProblem.Unavailable, "model features are off (ConvoCanvas:Models:Enabled is false)");
        var turns = Validate(request);
        var leaseRequest = new LeaseRequest
        {
            Ticket = Guid.NewGuid(),
            Model = Model,
            Priority = request.Priority,
            NumCtx = request.NumCtx,
            PromptTokens = turns.Sum(t => t.Content.Length) / 4,
            OutputTokens = request.MaxTokens ?? 256,
            Caller = request.Caller,
        };

        var grant = await Scheduler.AcquireAsync(leaseRequest, TimeSpan.FromMilliseconds(20));
        if (grant is null)
        {
            var status = await Scheduler.GetStatusAsync();
            yield return new GenerationEvent { Type = GenerationEvent.Queued, Model = Model, QueuePosition = status.Queue.Count - 1, Detail = status.Loading is { } loading ? $"loading {loading}" : null };
            grant = await WaitForLeaseAsync(leaseRequest, cancellationToken);
        }

        var outcome = new LeaseOutcome { Cancelled = true };
        var lastRenew = DateTime.UtcNow;
        try
        {
            yield return new GenerationEvent { Type = GenerationEvent.Started, Model = Model, Detail = $"num_ctx {grant.NumCtx}", Stats = new GenerationStatsView { QueuedMs = grant.QueuedMs, NumCtx = grant.NumCtx } };
            await using var stream = ollama.ChatAsync(Model, turns.Select(t => new ChatTurn(t.Role, t.Content)).ToList(), grant.NumCtx, request.MaxTokens, OllamaGateway.KeepForever, cancellationToken)
                .GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                GenerationChunk chunk;
                try
                {
                    if (!await stream.MoveNextAsync())
                    {
                        break;
                    }
                    chunk = stream.Current;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    outcome = new LeaseOutcome { Error = e.Message, Hung = e is OllamaHangException };
                    Record(s => s with { Requests = s.Requests + 1, Failures = s.Failures + 1, LastError = e.Message });
                    logger.LogWarning("{Model}: request failed: {Message}", Model, e.Message);
                    throw new ModelRequestException(GpuSchedulerGrain.Problem(e), e.Message);
                }
                if (DateTime.UtcNow - lastRenew > RenewEvery)
                {
                    lastRenew = DateTime.UtcNow;
                    await Scheduler.RenewAsync(grant.Id);
                }
                if (chunk.Text.Length > 0)
                {
                    yield return new GenerationEvent { Type = GenerationEvent.Token, Model = Model, Text = chunk.Text };
                }
                if (chunk.Stats is { } done)
                {
                    var view = new GenerationStatsView
                    {
                        PromptTokens = done.PromptTokens,
                        OutputTokens = done.OutputTokens,
                        TokensPerSecond = done.TokensPerSecond,
                        PromptTokensPerSecond = done.PromptTokensPerSecond,
                        LoadSeconds = done.LoadSeconds,
                        TotalSeconds = done.TotalSeconds,
                        QueuedMs = grant.QueuedMs,
                        NumCtx = grant.NumCtx,
                    };
                    outcome = new LeaseOutcome { Stats = view };
                    Record(s => s with
                    {
                        Requests = s.Requests + 1,
                        OutputTokens = s.OutputTokens + done.OutputTokens,
                        EvalSeconds = s.EvalSeconds + done.EvalSeconds,
                        PromptTokens = s.PromptTokens + done.PromptTokens,
                        PromptSeconds = s.PromptSeconds + done.PromptSeconds,
                    });
                    yield return new GenerationEvent { Type = GenerationEvent.Done, Model = Model, Stats = view };
                }
            }
        }
        finally
        {
            // However it ended, the lease goes back now: the next request must not wait for a TTL.
            logger.LogDebug("{Model}: lease {Lease} for {Caller} returned ({Outcome}; cancelled: {Cancelled})", Model, grant.Id, request.Caller, outcome.Stats is not null ? "finished" : outcome.Error ?? "stopped", cancellationToken.IsCancellationRequested);
            await Scheduler.ReleaseAsync(grant.Id, outcome);
        }
    }

    /// <summary>Asks again until granted; a caller that goes away takes its place in the queue (or its fresh lease) with it.</summary>
    private async Task<LeaseGrant> WaitForLeaseAsync(LeaseRequest request, CancellationToken cancellationToken)
    {
        while (true)
        {
            LeaseGrant? grant;
            try
            {
                grant = await Scheduler.AcquireAsync(request, LeasePoll);
            }
            catch
            {
                await Scheduler.CancelAsync(request.Ticket);
                throw;
            }
            if (cancellationToken.IsCancellationRequested)
            {
                await Scheduler.CancelAsync(request.Ticket);
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (grant is not null)
            {
                return grant;
            }
        }
    }

    public async Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, string priority)
    {
        var ollama = _ollama ?? throw new ModelRequestException(ModelProblem.Unavailable, "model features are off (ConvoCanvas:Models:Enabled is false)");
        if (texts.Count == 0)
        {
            return [];
        }
        var request = new LeaseRequest { Ticket = Guid.NewGuid(), Model = Model, Priority = priority, PromptTokens = texts.Sum(t => t.Length) / 4, Caller = "embed" };
        var grant = await Scheduler.AcquireAsync(request, TimeSpan.FromMilliseconds(20)) ?? await WaitForLeaseAsync(request, CancellationToken.None);
        var outcome = new LeaseOutcome();
        try
        {
            var vectors = await ollama.EmbedAsync(Model, texts, grant.NumCtx);
            Record(s => s with { Requests = s.Requests + 1 });
            outcome = new LeaseOutcome { Stats = new GenerationStatsView { QueuedMs = grant.QueuedMs, NumCtx = grant.NumCtx } };
            return vectors;
        }
        catch (OllamaException e)
        {
            outcome = new LeaseOutcome { Error = e.Message, Hung = e is OllamaHangException };
            Record(s => s with { Requests = s.Requests + 1, Failures = s.Failures + 1, LastError = e.Message });
            throw new ModelRequestException(GpuSchedulerGrain.Problem(e), e.Message);
        }
        finally
        {
            await Scheduler.ReleaseAsync(grant.Id, outcome);
        }
    }

    public Task<ModelStatsView> GetStatsAsync() => Task.FromResult(stats.State);

    public Task RecordLoadAsync(double seconds, long? measuredVramBytes, int numCtx, string? error)
    {
        Record(s => error is null
            ? s with
            {
                Loads = s.Loads + 1,
                LoadSecondsTotal = s.LoadSecondsTotal + seconds,
                LastLoadSeconds = seconds,
                MeasuredVramBytes = measuredVramBytes ?? s.MeasuredVramBytes,
                MeasuredNumCtx = measuredVramBytes is null ? s.MeasuredNumCtx : numCtx,
            }
            : s with { Failures = s.Failures + 1, LastError = error });
        return Task.CompletedTask;
    }

    private static IReadOnlyList<ChatMessage> Validate(GenerationRequest request)
    {
        var turns = request.Conversation();
        if (turns.Count == 0 || turns.All(t => string.IsNullOrWhiteSpace(t.Content)))
        {
            throw new ModelRequestException(ModelProblem.Invalid, "the prompt is empty");
        }
        if (turns.FirstOrDefault(t => t.Role is not ("system" or "user" or "assistant")) is { } odd)
        {
            throw new ModelRequestException(ModelProblem.Invalid, $"message role '{odd.Role}' is not one of system, user, assistant");
        }
        if (request.MaxTokens is <= 0)
        {
            throw new ModelRequestException(ModelProblem.Invalid, $"max tokens must be positive, not {request.MaxTokens}");
        }
        if (request.NumCtx is <= 0)
        {
            throw new ModelRequestException(ModelProblem.Invalid, $"num_ctx must be positive, not {request.NumCtx}");
        }
        return turns;
    }

    /// <summary>Updates the statistics and writes them, one write at a time (the grain is reentrant).</summary>
    private void Record(Func<ModelStatsView, ModelStatsView> change)
    {
        stats.State = change(stats.State ?? new ModelStatsView());
        _dirty = true;
        if (!_writing)
        {
            _ = WriteAsync();
        }
    }

    private async Task WriteAsync()
    {
        _writing = true;
        try
        {
            while (_dirty)
            {
                _dirty = false;
                await stats.WriteStateAsync();
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "{Model}: statistics not saved", Model);
        }
        finally
        {
            _writing = false;
        }
    }
}
