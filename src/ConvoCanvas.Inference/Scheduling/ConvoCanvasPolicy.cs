using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Inference.Trace;

namespace ConvoCanvas.Inference.Scheduling;

/// <summary>
/// ConvoCanvas's GPU scheduling policy. What it does, and why:
/// <list type="number">
/// <item><b>Priorities with ageing.</b> Interactive before batch before background, so a person never waits behind
/// a bulk job. Requests wait in lanes (one per priority and model); when a lane has not been served for its
/// ageing time (15 s interactive, 30 s batch, 10 min background), its oldest request goes ahead of everything, so batch work
/// keeps moving under any stream of interactive work (no starvation) without letting a pile of old batch
/// requests cut in front of a person all at once.</item>
/// <item><b>One request at a time per model, chosen late.</b> A request is handed to a model's runner only when
/// that runner is free, so the next one is the most urgent at that moment, not the first that arrived.
/// Requests for a loaded model are served there before any model is switched.</item>
/// <item><b>Never over budget.</b> A load happens only when the model's VRAM estimate fits the budget with what
/// stays loaded; a request that could never fit is refused at the door. One load at a time, for the most
/// urgent request that needs one; while it waits for busy models to finish, those models take no new
/// requests less urgent than it (they drain), so the load cannot be put off forever.</item>
/// <item><b>Eviction by what a reload would cost, weighted by who would wait.</b> Each idle model is worth its load
/// time × the requests expected for it soon: queued and running ones, a decayed 10-minute rate, and for interactive use
/// also a 2-minute one over a 5-minute horizon, because the next turn of a conversation comes 20–120 s after the last
/// and the 10-minute count alone rated a model used a lot half an hour ago above the one a person is talking to now.
/// A reload a person would wait for counts in full, one a batch (background) request would wait for 0.25 (0.1):
/// a bulk job loses its load time once, a person feels every cold turn. Idle models are chosen before busy ones (which
/// would make the request wait). Victims are the set of models whose reloads cost least <i>in all</i> (a card holds a
/// handful of models, so every subset is weighed): picking the cheapest per byte first evicted an 11 GB model a
/// person was using to make room for a 1.8 GB title model. Pinned models are never evicted.
/// No keep_alive expiry: a model stays until its room is needed (Ollama gets keep_alive -1, so it never
/// unloads behind the scheduler's back).</item>
/// <item><b>Preloading into a quiet card.</b> With nothing queued and the load slot free, the model not loaded that is
/// worth most by the same measure (and expected at least 0.5 times interactively) is loaded ahead of its request, into
/// free VRAM or in place of idle models worth at most a third of it (the margin keeps two models from being swapped
/// back and forth). It is an ordinary load (<see cref="LoadDecision.Preload"/>): it takes the load slot and counts
/// as a load. It turns the next turn of a conversation whose model had to make room, once the card is quiet, from a
/// cold start into a warm one.</item>
/// <item><b>The load slot goes to a person first.</b> The load slot serves the most urgent request that needs a load,
/// so an interactive request's load goes before any batch or background load unless that batch lane has aged.</item>
/// <item><b>Sticky num_ctx.</b> A model is loaded with the largest context recently asked of it (rounded up to a
/// power of two) when that costs no extra eviction, so clients that alternate 2048 and 8192 share one
/// load; a smaller request runs in the larger context without a reload.</item>
/// </list>
/// </summary>
public sealed class ConvoCanvasPolicy(ConvoCanvasPolicy.Settings? settings = null) : ISchedulingPolicy
{
    public sealed record Settings
    {
        /// <summary>
        /// How long a lane (a priority and a model) may go unserved before its oldest request goes ahead of
        /// everything not promoted. For interactive lanes it settles which model a busy card switches to.
        /// </summary>
        public double InteractiveAgingSeconds { get; init; } = 15;

        public double BatchAgingSeconds { get; init; } = 30;

        public double BackgroundAgingSeconds { get; init; } = 600;

        /// <summary>Half-life of the recent-demand count that eviction weighs.</summary>
        public double DemandHalfLifeSeconds { get; init; } = 600;

        /// <summary>How far ahead eviction looks: expected requests = queued + running + rate × horizon.</summary>
        public double DemandHorizonSeconds { get; init; } = 600;

        /// <summary>Half-life of the interactive demand count at the scale of one conversation (turns come 20–120 s apart).</summary>
        public double SessionHalfLifeSeconds { get; init; } = 120;

        /// <summary>How far ahead the conversation-scale count looks.</summary>
        public double SessionHorizonSeconds { get; init; } = 300;

        /// <summary>How much a reload that a batch (background) request would wait for weighs against one a person waits for (1).</summary>
        public double BatchReloadWeight { get; init; } = 0.25;

        public double BackgroundReloadWeight { get; init; } = 0.1;

        /// <summary>Preloading on (see the class comment); off, models are loaded only for a waiting request.</summary>
        public bool Preload { get; init; } = true;

        /// <summary>A preload must be worth this many times what it evicts (hysteresis: no swapping back and forth).</summary>
        public double PreloadGain { get; init; } = 3;

        /// <summary>A model is preloaded only if at least this many interactive requests are expected for it within the horizons.</summary>
        public double PreloadMinExpected { get; init; } = 0.5;

        /// <summary>How long a num_ctx asked of a model is remembered when choosing the context to load it with.</summary>
        public double ContextMemorySeconds { get; init; } = 3600;

        /// <summary>
        /// Experimental: weigh interactive demand by a <see cref="TurnForecast"/> (each model's own gaps between turns,
        /// and how often sessions start on it) instead of the two decayed counts, and wake up while a session's model is
        /// out of VRAM so a quiet card can swap it back.
        /// </summary>
        public bool Forecast { get; init; }

        /// <summary>With <see cref="Forecast"/>: a request more than this long after the model's previous one starts a new session.</summary>
        public double SessionBreakSeconds { get; init; } = 600;

        /// <summary>With <see cref="Forecast"/>: half-life of the count of sessions started on each model.</summary>
        public double StartHalfLifeSeconds { get; init; } = 7200;

        /// <summary>With <see cref="Forecast"/>: expected interactive requests = forecast rate × this.</summary>
        public double ForecastHorizonSeconds { get; init; } = 300;

        /// <summary>With <see cref="Forecast"/> and <see cref="Preload"/>: how often to look again while a session's model is not loaded.</summary>
        public double ForecastWakeSeconds { get; init; } = 5;

        /// <summary>With <see cref="Forecast"/>: a preload into free VRAM (evicting nothing) needs only this many interactive requests expected.</summary>
        public double FillMinExpected { get; init; } = 0.5;

        /// <summary>With <see cref="Forecast"/>: if the most valuable model is not worth its victims, try the next ones.</summary>
        public bool PreloadTryAll { get; init; }

        /// <summary>With <see cref="Forecast"/>: how much the rate of new sessions on a model weighs against its current session's next turn.</summary>
        public double StartRateWeight { get; init; } = 1;
    }

    private readonly Settings _settings = settings ?? new Settings();
    private readonly DemandTracker _demand = new((settings ?? new Settings()).DemandHalfLifeSeconds);
    private readonly DemandTracker _batchDemand = new((settings ?? new Settings()).DemandHalfLifeSeconds);
    private readonly DemandTracker _backgroundDemand = new((settings ?? new Settings()).DemandHalfLifeSeconds);
    private readonly DemandTracker _sessionDemand = new((settings ?? new Settings()).SessionHalfLifeSeconds);
    private readonly TurnForecast _forecast = new((settings ?? new Settings()).SessionBreakSeconds, (settings ?? new Settings()).StartHalfLifeSeconds);
    private readonly Dictionary<(Priority, string), double> _laneServedAt = [];
    private readonly Dictionary<string, Dictionary<int, double>> _contextsAsked = new(StringComparer.Ordinal);

    public string Name => "convocanvas";

    public bool Admit(InferenceRequest request, SchedulerState state, out string? reason)
    {
        var spec = state.Catalogue.Find(request.Model);
        if (spec is null)
        {
            reason = $"unknown model '{request.Model}'";
            return false;
        }
        var estimate = VramEstimate.Of(spec, request.NumCtx);
        if (estimate.TotalBytes > state.BudgetBytes)
        {
            reason = $"'{request.Model}' at num_ctx {request.NumCtx} needs {estimate}, more than the budget {VramEstimate.Gb(state.BudgetBytes)}";
            return false;
        }
        switch (request.Priority)
        {
            case Priority.Interactive:
                _demand.Observe(request.Model, state.Now);
                _sessionDemand.Observe(request.Model, state.Now);
                _forecast.Observe(request.Model, state.Now);
                break;
            case Priority.Batch:
                _batchDemand.Observe(request.Model, state.Now);
                break;
            default:
                _backgroundDemand.Observe(request.Model, state.Now);
                break;
        }
        if (!_contextsAsked.TryGetValue(request.Model, out var asked))
        {
            _contextsAsked[request.Model] = asked = [];
        }
        asked[request.NumCtx] = state.Now;
        reason = null;
        return true;
    }

    public double? NextWakeUp(SchedulerState state)
    {
        // The moment a lane's oldest request is promoted can change what to load next.
        double? next = null;
        foreach (var head in LaneHeads(state))
        {
            var promotedAt = LaneClock(head) + Aging(head.Priority);
            if (promotedAt > state.Now)
            {
                next = next is null ? promotedAt : Math.Min(next.Value, promotedAt);
            }
        }
        // A session's model out of VRAM: its forecast changes with time, so look again (a quiet card may swap it back).
        if (_settings is { Forecast: true, Preload: true } && next is null && state.Queue.Count == 0
            && state.Catalogue.Models.Any(m => state.FindLoaded(m.Name) is null && _forecast.InSession(m.Name, state.Now)))
        {
            next = state.Now + _settings.ForecastWakeSeconds;
        }
        return next;
    }

    public SchedulerDecision Decide(SchedulerState state)
    {
        if (state.Queue.Count == 0)
        {
            return _settings.Preload && PlanPreload(state) is { } preload ? preload : SchedulerDecision.Wait;
        }
        var (ranked, promoted) = Rank(state);
        int Class(PendingRequest p) => promoted.Contains(p) ? -1 : (int)p.Priority;

        // The most urgent request whose model is not ready for it is next in line for the one load slot.
        LoadPlan? plan = null;
        if (!state.LoadInFlight && ranked.FirstOrDefault(p => NeedsLoad(p, state)) is { } first)
        {
            plan = PlanLoad(first, state);
            if (plan is null)
            {
                return new RejectDecision(first, $"'{first.Model}' at num_ctx {first.NumCtx} cannot fit beside the pinned models");
            }
        }

        // 1. Free runners take their most urgent request, so a loaded model's queue is served before models
        //    are switched; but a model that must make room for the load takes only requests at least as urgent
        //    as the one waiting for it (it drains, and the load cannot be put off forever).
        foreach (var pending in ranked)
        {
            var model = state.FindLoaded(pending.Model);
            if (model is null || !model.Idle || model.NumCtx < pending.NumCtx)
            {
                continue;
            }
            if (plan is not null && plan.Victims.Contains(model) && Class(pending) > Class(plan.For))
            {
                continue;
            }
            _laneServedAt[(pending.Priority, pending.Model)] = state.Now;
            return new DispatchDecision(pending);
        }

        // 2. The load, once everything it evicts is idle.
        if (plan is not null && plan.Victims.All(v => v.Idle))
        {
            return new LoadDecision(plan.For.Model, plan.NumCtx, plan.Victims.Select(v => v.Name).ToList());
        }
        return SchedulerDecision.Wait;
    }

    private sealed record LoadPlan(PendingRequest For, int NumCtx, IReadOnlyList<LoadedModel> Victims);

    private static bool NeedsLoad(PendingRequest request, SchedulerState state) =>
        state.FindLoaded(request.Model) is not { } model || model.NumCtx < request.NumCtx;

    /// <summary>The context to load with, and whom to evict for it; null if it cannot fit even with every unpinned model gone.</summary>
    private LoadPlan? PlanLoad(PendingRequest request, SchedulerState state)
    {
        var spec = state.Catalogue[request.Model];
        var current = state.FindLoaded(request.Model);
        var free = state.BudgetBytes - state.LoadedBytes + (current?.VramBytes ?? 0);
        var candidates = state.Loaded.Where(m => m != current && m.Ready && !m.Spec.Pinned).ToList();

        // Idle models first: a plan that must wait for busy ones to finish makes the request wait too.
        var idle = candidates.Where(m => m.Idle).ToList();
        var own = Victims(VramEstimate.Of(spec, request.NumCtx).TotalBytes - free, idle, state);
        if (own is not null)
        {
            candidates = idle;
        }
        else
        {
            own = Victims(VramEstimate.Of(spec, request.NumCtx).TotalBytes - free, candidates, state);
        }
        if (own is null)
        {
            return null;
        }
        // The larger, remembered context only if it costs no extra eviction.
        var sticky = StickyContext(request, state);
        var numCtx = request.NumCtx;
        var victims = own;
        if (sticky > request.NumCtx && Victims(VramEstimate.Of(spec, sticky).TotalBytes - free, candidates, state) is { } forSticky && forSticky.Count <= own.Count
            && forSticky.All(own.Contains))
        {
            numCtx = sticky;
            victims = forSticky;
        }
        return new LoadPlan(request, numCtx, current is null ? victims : [current, .. victims]);
    }

    /// <summary>
    /// The models to evict to free <paramref name="needed"/> bytes: the set whose reloads would cost least in all
    /// (<see cref="KeepValue"/> summed), then the one that frees least; null if even all of them are not enough,
    /// empty if nothing is needed. The loaded set is small (a card holds a handful of models), so every subset is
    /// weighed; past <see cref="ExactVictimLimit"/> candidates, the cheapest per byte go first and any not needed after
    /// all are spared.
    /// </summary>
    private List<LoadedModel>? Victims(long needed, List<LoadedModel> candidates, SchedulerState state)
    {
        if (needed <= 0)
        {
            return [];
        }
        var n = candidates.Count;
        var values = new double[n];
        long total = 0;
        for (var i = 0; i < n; i++)
        {
            values[i] = KeepValue(candidates[i], state);
            total += candidates[i].VramBytes;
        }
        if (total < needed)
        {
            return null;
        }
        if (n <= ExactVictimLimit)
        {
            var sums = new double[1 << n];
            var bytes = new long[1 << n];
            var best = -1;
            for (var mask = 1; mask < 1 << n; mask++)
            {
                var low = System.Numerics.BitOperations.TrailingZeroCount(mask);
                var rest = mask & (mask - 1);
                sums[mask] = sums[rest] + values[low];
                bytes[mask] = bytes[rest] + candidates[low].VramBytes;
                if (bytes[mask] >= needed && (best < 0 || sums[mask] < sums[best] - 1e-9
                    || (sums[mask] <= sums[best] + 1e-9 && bytes[mask] < bytes[best])))
                {
                    best = mask;
                }
            }
            var chosen = new List<LoadedModel>();
            for (var i = 0; i < n; i++)
            {
                if ((best & (1 << i)) != 0)
                {
                    chosen.Add(candidates[i]);
                }
            }
            return chosen;
        }
        var order = Enumerable.Range(0, n).OrderBy(i => values[i] / candidates[i].VramBytes).ToList();
        var victims = new List<int>();
        long freed = 0;
        foreach (var i in order)
        {
            if (freed >= needed)
            {
                break;
            }
            victims.Add(i);
            freed += candidates[i].VramBytes;
        }
        foreach (var i in victims.OrderByDescending(i => values[i]).ToList())
        {
            if (freed - candidates[i].VramBytes >= needed)
            {
                victims.Remove(i);
                freed -= candidates[i].VramBytes;
            }
        }
        return victims.Select(i => candidates[i]).ToList();
    }

    /// <summary>Up to this many eviction candidates, every subset is weighed (2^n sums).</summary>
    private const int ExactVictimLimit = 12;

    /// <summary>
    /// What evicting the model would cost, in seconds of loading weighted by who waits: its load time × the requests
    /// expected for it soon (queued, running, and decayed recent rates over their horizons), a person's requests at
    /// weight 1, batch and background ones at <see cref="Settings.BatchReloadWeight"/> and
    /// <see cref="Settings.BackgroundReloadWeight"/>.
    /// </summary>
    internal double KeepValue(LoadedModel model, SchedulerState state) => Value(model.Spec, model.Assigned, state);

    private double Value(ModelSpec spec, int assigned, SchedulerState state)
    {
        int interactive = 0, batch = 0, background = 0;
        foreach (var pending in state.Queue)
        {
            if (pending.Model == spec.Name)
            {
                switch (pending.Priority)
                {
                    case Priority.Interactive: interactive++; break;
                    case Priority.Batch: batch++; break;
                    default: background++; break;
                }
            }
        }
        var expectedBatch = batch + _batchDemand.RateAt(spec.Name, state.Now) * _settings.DemandHorizonSeconds;
        var expectedBackground = background + _backgroundDemand.RateAt(spec.Name, state.Now) * _settings.DemandHorizonSeconds;
        return spec.LoadSeconds * (interactive + assigned + ExpectedInteractive(spec.Name, state.Now)
            + _settings.BatchReloadWeight * expectedBatch
            + _settings.BackgroundReloadWeight * expectedBackground);
    }

    /// <summary>Interactive requests expected for the model soon: the conversation-scale count over its horizon plus the longer one over its.</summary>
    private double ExpectedInteractive(string model, double now) => _settings.Forecast
        ? _forecast.RateAt(model, now, _settings.StartRateWeight) * _settings.ForecastHorizonSeconds
        : _sessionDemand.RateAt(model, now) * _settings.SessionHorizonSeconds + _demand.RateAt(model, now) * _settings.DemandHorizonSeconds;

    /// <summary>
    /// With nothing queued and the load slot free: the model not loaded that people are most likely to ask for next,
    /// if it is expected often enough and worth <see cref="Settings.PreloadGain"/> times the idle models it would evict.
    /// </summary>
    private LoadDecision? PlanPreload(SchedulerState state)
    {
        if (state.LoadInFlight)
        {
            return null;
        }
        // The models not loaded, most valuable first; the first that is worth its victims is loaded.
        var idle = state.Loaded.Where(m => m.Idle && !m.Spec.Pinned).ToList();
        var candidates = state.Catalogue.Models
            .Where(spec => state.FindLoaded(spec.Name) is null)
            .Select(spec => (Spec: spec, Value: Value(spec, 0, state), Expected: ExpectedInteractive(spec.Name, state.Now)))
            .Where(c => c.Value > 0 && c.Expected >= (_settings.Forecast ? Math.Min(_settings.FillMinExpected, _settings.PreloadMinExpected) : _settings.PreloadMinExpected))
            .OrderByDescending(c => c.Value)
            .ToList();
        foreach (var (spec, value, expected) in candidates)
        {
            var numCtx = StickyContext(spec.Name, LastContext(spec.Name), state);
            var victims = Victims(VramEstimate.Of(spec, numCtx).TotalBytes - (state.BudgetBytes - state.LoadedBytes), idle, state);
            var minExpected = victims is [] && _settings.Forecast ? _settings.FillMinExpected : _settings.PreloadMinExpected;
            if (victims is not null && expected >= minExpected && value >= _settings.PreloadGain * victims.Sum(v => KeepValue(v, state)))
            {
                return new LoadDecision(spec.Name, numCtx, victims.Select(v => v.Name).ToList(), Preload: true);
            }
            if (!_settings.Forecast || !_settings.PreloadTryAll)
            {
                return null;
            }
        }
        return null;
    }

    /// <summary>The num_ctx last asked of the model (2048 if never).</summary>
    private int LastContext(string model)
    {
        var (numCtx, at) = (2048, double.NegativeInfinity);
        if (_contextsAsked.TryGetValue(model, out var asked))
        {
            foreach (var (ctx, when) in asked)
            {
                if (when > at)
                {
                    (numCtx, at) = (ctx, when);
                }
            }
        }
        return numCtx;
    }

    /// <summary>The largest num_ctx asked of the model lately (or waiting in the queue), rounded up to a power of two.</summary>
    internal int StickyContext(PendingRequest request, SchedulerState state) => StickyContext(request.Model, request.NumCtx, state);

    private int StickyContext(string model, int numCtx, SchedulerState state)
    {
        var largest = numCtx;
        if (_contextsAsked.TryGetValue(model, out var asked))
        {
            foreach (var (ctx, at) in asked)
            {
                if (state.Now - at <= _settings.ContextMemorySeconds)
                {
                    largest = Math.Max(largest, ctx);
                }
            }
        }
        foreach (var pending in state.Queue)
        {
            if (pending.Model == model)
            {
                largest = Math.Max(largest, pending.NumCtx);
            }
        }
        var rounded = (int)Math.Min(int.MaxValue, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)largest));
        var limit = state.Catalogue[model].ContextLength;
        return limit > 0 ? Math.Max(numCtx, Math.Min(rounded, limit)) : rounded;
    }

    /// <summary>
    /// The queue in the order it should be served: promoted lane heads first (oldest first), then by
    /// priority, then by arrival.
    /// </summary>
    internal (List<PendingRequest> Ranked, HashSet<PendingRequest> Promoted) Rank(SchedulerState state)
    {
        var promoted = new HashSet<PendingRequest>();
        foreach (var head in LaneHeads(state))
        {
            if (state.Now >= LaneClock(head) + Aging(head.Priority) - 1e-9)
            {
                promoted.Add(head);
            }
        }
        var ranked = new List<PendingRequest>(state.Queue);
        // List.Sort is not stable; the request id (arrival order) breaks ties.
        ranked.Sort((a, b) =>
        {
            var pa = promoted.Contains(a) ? -1 : (int)a.Priority;
            var pb = promoted.Contains(b) ? -1 : (int)b.Priority;
            if (pa != pb)
            {
                return pa.CompareTo(pb);
            }
            var byTime = a.EnqueuedAt.CompareTo(b.EnqueuedAt);
            return byTime != 0 ? byTime : a.Request.Id.CompareTo(b.Request.Id);
        });
        return (ranked, promoted);
    }

    /// <summary>The oldest queued request of each (priority, model) lane.</summary>
    private static IEnumerable<PendingRequest> LaneHeads(SchedulerState state)
    {
        var seen = new HashSet<(Priority, string)>();
        foreach (var pending in state.Queue)
        {
            if (seen.Add((pending.Priority, pending.Model)))
            {
                yield return pending;
            }
        }
    }

    /// <summary>When the lane's wait started: its head's arrival, or the lane's last service if later.</summary>
    private double LaneClock(PendingRequest head) =>
        _laneServedAt.TryGetValue((head.Priority, head.Model), out var served) ? Math.Max(served, head.EnqueuedAt) : head.EnqueuedAt;

    private double Aging(Priority priority) => priority switch
    {
        Priority.Interactive => _settings.InteractiveAgingSeconds,
        Priority.Batch => _settings.BatchAgingSeconds,
        _ => _settings.BackgroundAgingSeconds,
    };
}
