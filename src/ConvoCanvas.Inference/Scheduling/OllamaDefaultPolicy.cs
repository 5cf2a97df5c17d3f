using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Inference.Trace;

namespace ConvoCanvas.Inference.Scheduling;

/// <summary>
/// An emulation of Ollama's own scheduler, the baseline ConvoCanvas has to beat:
/// <list type="bullet">
/// <item>one FIFO queue of at most 512 requests (the 513th gets a 503 and is never served); no priorities;</item>
/// <item>the head of the queue is handled before anything behind it: a request for a loaded model with the
/// same num_ctx goes straight to that model's runner (which works one request at a time, NUM_PARALLEL 1);</item>
/// <item>a different num_ctx forces a reload, once the model's runner has finished what it holds;</item>
/// <item>one load at a time; at most 3 models loaded; a model fits if file size + KV(num_ctx) ≤ 0.8 × the
/// free VRAM (the runner's overhead is not counted, so the loaded set can end up over the card);
/// with nothing loaded it loads regardless (Ollama would offload part of it to the CPU);</item>
/// <item>to make room it evicts, one at a time, the idle model whose keep_alive runs out first (ties broken by
/// a seeded coin, as Ollama's are effectively random); with none idle it picks one and waits for it to finish;</item>
/// <item>a model idle for keep_alive (5 minutes) is unloaded.</item>
/// </list>
/// </summary>
public sealed class OllamaDefaultPolicy(int seed = 1) : ISchedulingPolicy
{
    public const int MaxQueue = 512;
    public const int MaxLoadedModels = 3;
    public const double KeepAliveSeconds = 300;
    public const double FitFraction = 0.8;

    private readonly Random _random = new(seed);
    private string? _waitingFor;

    public string Name => "ollama";

    public bool Admit(InferenceRequest request, SchedulerState state, out string? reason)
    {
        reason = state.Queue.Count >= MaxQueue ? $"the queue holds {MaxQueue} requests already (Ollama answers 503)" : null;
        return reason is null;
    }

    public double? NextWakeUp(SchedulerState state)
    {
        double? next = null;
        foreach (var model in state.Loaded)
        {
            if (model.Idle)
            {
                var expires = model.IdleSince + KeepAliveSeconds;
                next = next is null ? expires : Math.Min(next.Value, expires);
            }
        }
        return next;
    }

    public SchedulerDecision Decide(SchedulerState state)
    {
        foreach (var model in state.Loaded)
        {
            if (model.Idle && state.Now >= model.IdleSince + KeepAliveSeconds - 1e-9)
            {
                return new UnloadDecision(model.Name, UnloadReason.Expired);
            }
        }
        if (state.LoadInFlight || state.Queue.Count == 0)
        {
            return SchedulerDecision.Wait;
        }

        var head = state.Queue[0];
        var loaded = state.FindLoaded(head.Model);
        if (loaded is not null)
        {
            if (loaded.NumCtx == head.NumCtx)
            {
                return new DispatchDecision(head);
            }
            // Another num_ctx: the runner is replaced, but only once it has finished its requests.
            return loaded.Assigned == 0 ? new UnloadDecision(loaded.Name, UnloadReason.Reload) : SchedulerDecision.Wait;
        }

        if (state.Loaded.Count == 0 || (state.Loaded.Count < MaxLoadedModels && Fits(head, state)))
        {
            _waitingFor = null;
            return new LoadDecision(head.Model, head.NumCtx, []);
        }

        var victim = _waitingFor is { } name ? state.FindLoaded(name) : null;
        victim ??= PickVictim(state);
        if (victim.Idle)
        {
            _waitingFor = null;
            return new UnloadDecision(victim.Name, UnloadReason.Evicted);
        }
        _waitingFor = victim.Name;
        return SchedulerDecision.Wait;
    }

    /// <summary>file + KV(num_ctx) ≤ 0.8 × free VRAM, free as the card reports it (what the loaded runners really take).</summary>
    internal static bool Fits(PendingRequest request, SchedulerState state)
    {
        var spec = state.Catalogue[request.Model];
        var wanted = spec.FileBytes + spec.KvBytesPerToken * (long)request.NumCtx;
        var free = state.BudgetBytes - state.LoadedBytes;
        return wanted <= FitFraction * free;
    }

    private LoadedModel PickVictim(SchedulerState state)
    {
        // Every runner gets the same keep_alive, so the shortest remaining one is the one idle longest.
        var idle = state.Loaded.Where(m => m.Idle).ToList();
        if (idle.Count > 0)
        {
            var first = idle.Min(m => m.IdleSince);
            var tied = idle.Where(m => m.IdleSince <= first + 1e-9).ToList();
            return tied[_random.Next(tied.Count)];
        }
        var busy = state.Loaded.Where(m => m.Ready).ToList();
        return busy[_random.Next(busy.Count)];
    }
}
