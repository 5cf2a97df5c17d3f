using System.Diagnostics;
using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Inference.Scheduling;
using ConvoCanvas.Inference.Trace;

namespace ConvoCanvas.Inference.Simulation;

/// <summary>
/// Replays a trace against a policy on one GPU, event by event, with a cost model both policies share:
/// <list type="bullet">
/// <item>a request runs for prompt_tokens / prompt_tokens_per_s + output_tokens / tokens_per_s seconds when it
/// has the GPU to itself;</item>
/// <item>each loaded model runs one request at a time (NUM_PARALLEL 1); several loaded models may run at once,
/// and then share the GPU evenly (k requests running: each at 1/k of its own speed; total throughput is
/// that of the GPU alone, which is about what a consumer card does when runners compete);</item>
/// <item>a load takes the model's load_seconds and overlaps with other models' work (it is disk- and
/// PCIe-bound); one load at a time; an unload is instant;</item>
/// <item>a loaded model takes its VRAM estimate (weights + KV at its num_ctx + overhead) from the moment its load
/// starts; that is also the "true" VRAM counted for over-commits;</item>
/// <item>a request's wait runs from its arrival to the moment it starts running on its model;</item>
/// <item>a preload (a load no request waits for) is a load like any other: the load slot, the VRAM from its start, a load
/// and its weights in GB loaded.</item>
/// </list>
/// </summary>
public sealed class Simulator(ModelCatalogue catalogue)
{
    public SimulationReport Run(IReadOnlyList<InferenceRequest> trace, ISchedulingPolicy policy) => new Run(catalogue, trace, policy).Execute();
}

/// <summary>One replay: the mutable state of the simulation.</summary>
internal sealed class Run(ModelCatalogue catalogue, IReadOnlyList<InferenceRequest> trace, ISchedulingPolicy policy)
{
    private sealed class Job(InferenceRequest request, double soloSeconds)
    {
        public InferenceRequest Request { get; } = request;
        public double Remaining { get; set; } = soloSeconds;
    }

    private sealed class Runner
    {
        public Queue<Job> Waiting { get; } = new();
        public Job? Current { get; set; }
    }

    private readonly SchedulerState _state = new(catalogue);
    private readonly Dictionary<string, Runner> _runners = new(StringComparer.Ordinal);
    private readonly List<InferenceRequest> _ordered = trace.OrderBy(r => r.TMs).ThenBy(r => r.Id).ToList();
    private readonly List<double> _interactiveWaits = [];
    private readonly List<double> _batchWaits = [];
    private readonly double[] _firstArrival = [double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity];
    private readonly double[] _lastCompletion = [double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity];
    private double _loadDoneAt = double.PositiveInfinity;
    private int _running, _loads, _preloads, _evictions, _expiries, _overcommits, _unserved, _served;
    private long _decisions, _decideCalls, _decideTicks, _bytesLoaded;
    private double _workSeconds, _idleWithWorkSeconds, _end;

    public SimulationReport Execute()
    {
        var next = 0;
        while (true)
        {
            var tArrival = next < _ordered.Count ? _ordered[next].ArrivalSeconds : double.PositiveInfinity;
            var tRun = NextCompletion();
            var tWake = policy.NextWakeUp(_state) is { } wake && wake > _state.Now + Constants.Epsilon ? wake : double.PositiveInfinity;
            var t = Math.Min(Math.Min(tArrival, tRun), Math.Min(_loadDoneAt, tWake));
            if (double.IsPositiveInfinity(t))
            {
                break;
            }
            Advance(t);
            CompleteJobs();
            if (_loadDoneAt <= t + Constants.Epsilon)
            {
                _loadDoneAt = double.PositiveInfinity;
                foreach (var model in _state.Loaded.Where(m => !m.Ready))
                {
                    model.Ready = true;
                    model.IdleSince = t;
                }
            }
            while (next < _ordered.Count && _ordered[next].ArrivalSeconds <= t + Constants.Epsilon)
            {
                Arrive(_ordered[next++]);
            }
            DecideAll();
        }
        // Whatever is still queued or held by a runner was never served (a policy that stalled).
        _unserved += _state.Queue.Count + _runners.Values.Sum(r => r.Waiting.Count + (r.Current is null ? 0 : 1));
        return Report();
    }

    private void Arrive(InferenceRequest request)
    {
        _firstArrival[(int)request.Priority] = Math.Min(_firstArrival[(int)request.Priority], request.ArrivalSeconds);
        if (!policy.Admit(request, _state, out _))
        {
            _unserved++;
            return;
        }
        _state.Enqueue(new PendingRequest(request, _state.Now));
    }

    private void DecideAll()
    {
        for (var i = 0; i < Constants.MaxDecisionsPerInstant; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var decision = policy.Decide(_state);
            _decideTicks += Stopwatch.GetTimestamp() - started;
            _decideCalls++;
            if (decision is WaitDecision)
            {
                return;
            }
            _decisions++;
            Apply(decision);
        }
        throw new InvalidOperationException($"policy '{policy.Name}' kept deciding at t={_state.Now:F3} s without ever waiting");
    }

    private void Apply(SchedulerDecision decision)
    {
        switch (decision)
        {
            case DispatchDecision { Request: var pending }:
            {
                var model = _state.FindLoaded(pending.Model);
                if (model is null || !model.Ready || model.NumCtx < pending.NumCtx || !_state.Queue.Contains(pending))
                {
                    throw Broken($"dispatched request {pending.Request.Id} to '{pending.Model}', which is not loaded and ready with num_ctx ≥ {pending.NumCtx}");
                }
                _state.Dequeue(pending);
                model.Assigned++;
                var runner = RunnerOf(model.Name);
                runner.Waiting.Enqueue(new Job(pending.Request, model.Spec.SoloSeconds(pending.Request.PromptTokens, pending.Request.OutputTokens)));
                StartNext(runner);
                break;
            }
            case LoadDecision load:
            {
                if (_state.LoadInFlight)
                {
                    throw Broken($"asked to load '{load.Model}' while another load is under way");
                }
                foreach (var victim in load.Evict)
                {
                    Unload(victim, victim == load.Model ? UnloadReason.Reload : UnloadReason.Evicted);
                }
                if (_state.FindLoaded(load.Model) is not null)
                {
                    throw Broken($"asked to load '{load.Model}', which is loaded already");
                }
                var spec = catalogue.Find(load.Model) ?? throw Broken($"asked to load unknown model '{load.Model}'");
                _state.AddLoaded(new LoadedModel(spec, load.NumCtx, _state.Now));
                _loads++;
                if (load.Preload)
                {
                    _preloads++;
                }
                _bytesLoaded += spec.FileBytes;
                _loadDoneAt = _state.Now + spec.LoadSeconds;
                if (_state.LoadedBytes > catalogue.Gpu.BudgetBytes)
                {
                    _overcommits++;
                }
                break;
            }
            case UnloadDecision unload:
                Unload(unload.Model, unload.Reason);
                break;
            case RejectDecision { Request: var pending }:
                if (!_state.Queue.Contains(pending))
                {
                    throw Broken($"rejected request {pending.Request.Id}, which is not queued");
                }
                _state.Dequeue(pending);
                _unserved++;
                break;
            default:
                throw Broken($"unknown decision {decision}");
        }
    }

    private void Unload(string name, UnloadReason reason)
    {
        var model = _state.FindLoaded(name) ?? throw Broken($"asked to unload '{name}', which is not loaded");
        if (!model.Idle)
        {
            throw Broken($"asked to unload '{name}' while it {(model.Ready ? "has requests" : "is loading")}");
        }
        _state.RemoveLoaded(model);
        if (reason == UnloadReason.Expired)
        {
            _expiries++;
        }
        else
        {
            _evictions++;
        }
    }

    private Runner RunnerOf(string model)
    {
        if (!_runners.TryGetValue(model, out var runner))
        {
            _runners[model] = runner = new Runner();
        }
        return runner;
    }

    private void StartNext(Runner runner)
    {
        if (runner.Current is not null || !runner.Waiting.TryDequeue(out var job))
        {
            return;
        }
        runner.Current = job;
        _running++;
        var wait = _state.Now - job.Request.ArrivalSeconds;
        if (job.Request.Priority == Priority.Interactive)
        {
            _interactiveWaits.Add(wait);
        }
        else if (job.Request.Priority == Priority.Batch)
        {
            _batchWaits.Add(wait);
        }
    }

    private double NextCompletion()
    {
        if (_running == 0)
        {
            return double.PositiveInfinity;
        }
        var least = double.PositiveInfinity;
        foreach (var runner in _runners.Values)
        {
            if (runner.Current is { } job)
            {
                least = Math.Min(least, job.Remaining);
            }
        }
        return _state.Now + least * _running;
    }

    /// <summary>Moves the clock: running requests share the GPU; the idle accounting counts time with work but nothing running.</summary>
    private void Advance(double to)
    {
        var dt = to - _state.Now;
        if (dt > 0)
        {
            var hasWork = _running > 0 || _state.Queue.Count > 0 || _state.LoadInFlight || _runners.Values.Any(r => r.Waiting.Count > 0);
            if (hasWork)
            {
                _workSeconds += dt;
                if (_running == 0)
                {
                    _idleWithWorkSeconds += dt;
                }
            }
            if (_running > 0)
            {
                var progress = dt / _running;
                foreach (var runner in _runners.Values)
                {
                    if (runner.Current is { } job)
                    {
                        job.Remaining -= progress;
                    }
                }
            }
        }
        _state.Now = Math.Max(_state.Now, to);
    }

    private void CompleteJobs()
    {
        foreach (var (name, runner) in _runners)
        {
            if (runner.Current is not { } job || job.Remaining > Constants.Epsilon * Math.Max(1, _running))
            {
                continue;
            }
            runner.Current = null;
            _running--;
            _served++;
            _end = _state.Now;
            var priority = (int)job.Request.Priority;
            _lastCompletion[priority] = Math.Max(_lastCompletion[priority], _state.Now);
            var model = _state.FindLoaded(name) ?? throw Broken($"'{name}' was unloaded while it ran a request");
            model.Assigned--;
            if (model.Assigned == 0)
            {
                model.IdleSince = _state.Now;
            }
            StartNext(runner);
        }
    }

    private SimulationReport Report()
    {
        var seconds = _decideTicks / (double)Stopwatch.Frequency;
        return new SimulationReport(
            policy.Name,
            trace.Count,
            Percentiles(_interactiveWaits),
            Makespan(Priority.Batch),
            _loads,
            _evictions,
            Math.Round(_bytesLoaded / 1e9, 2),
            _workSeconds > 0 ? Math.Round(100 * _idleWithWorkSeconds / _workSeconds, 2) : 0,
            _overcommits,
            _unserved,
            _served,
            _expiries,
            Makespan(Priority.Background),
            Percentiles(_batchWaits),
            _batchWaits.Count == 0 ? 0 : Math.Round(_batchWaits.Max(), 3),
            _decisions,
            seconds > 0 ? Math.Round(_decideCalls / seconds) : 0,
            Math.Round(_end, 3),
            _preloads);
    }

    private double Makespan(Priority priority)
    {
        var first = _firstArrival[(int)priority];
        var last = _lastCompletion[(int)priority];
        return double.IsFinite(first) && double.IsFinite(last) ? Math.Round(last - first, 3) : 0;
    }

    /// <summary>Nearest-rank percentiles, in ms.</summary>
    internal static WaitPercentiles Percentiles(List<double> waitsSeconds)
    {
        if (waitsSeconds.Count == 0)
        {
            return new WaitPercentiles(0, 0, 0);
        }
        var sorted = waitsSeconds.Order().ToArray();
        double At(double p) => Math.Round(1000 * sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 1);
        return new WaitPercentiles(At(0.50), At(0.95), At(0.99));
    }

    private InvalidOperationException Broken(string what) =>
        new($"policy '{policy.Name}' at t={_state.Now:F3} s: {what}");
}

internal static class Constants
{
    public const double Epsilon = 1e-9;

    /// <summary>A policy that keeps deciding without ever waiting is broken; stop rather than spin.</summary>
    public const int MaxDecisionsPerInstant = 1_000_000;
}
