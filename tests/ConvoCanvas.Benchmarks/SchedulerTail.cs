using System.Globalization;
using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Inference.Scheduling;
using ConvoCanvas.Inference.Simulation;
using ConvoCanvas.Inference.Trace;

namespace ConvoCanvas.Benchmarks;

/// <summary>
/// A diagnostic for the scheduler benchmark: which interactive requests form the wait tail, and why they
/// waited (their model was busy, loading for someone else, not loaded; a load slot held by another load;
/// victims draining). It watches a policy from outside (a pass-through policy), so it needs nothing of
/// the simulator beyond what any driver sees.
/// </summary>
internal static class SchedulerTail
{
    public static int Run(string[] args)
    {
        string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        var catalogue = ModelCatalogue.Load(Arg("--catalogue", Path.Combine(AppContext.BaseDirectory, "rtx4080.json")));
        var seed = int.Parse(Arg("--seed", "1"), CultureInfo.InvariantCulture);
        var threshold = double.Parse(Arg("--over", "-1"), CultureInfo.InvariantCulture);
        var label = threshold < 0 ? "half Ollama's p95" : "--over";
        var which = Arg("--policy", "convocanvas");
        var verbose = args.Contains("--verbose");
        var day = new DayTraceGenerator(seed).Generate();
        ISchedulingPolicy policy = which switch
        {
            "ollama" => new OllamaDefaultPolicy(seed),
            "oracle" => new OraclePolicy(day),
            _ => new ConvoCanvasPolicy(Settings(args)),
        };
        var watcher = new Watcher(policy);
        var report = new Simulator(catalogue).Run(day, watcher);
        Console.WriteLine($"{report.Policy}: interactive p50/p95/p99 {report.InteractiveWaitMs.P50}/{report.InteractiveWaitMs.P95}/{report.InteractiveWaitMs.P99} ms, loads {report.Loads}, batch makespan {report.BatchMakespanS} s, overcommits {report.Overcommits}, unserved {report.Unserved}");
        var ollama = new Simulator(catalogue).Run(day, new OllamaDefaultPolicy(seed));
        if (threshold < 0)
        {
            threshold = ollama.InteractiveWaitMs.P95 / 2000.0;
        }
        var interactive = day.Where(r => r.Priority == Priority.Interactive).ToList();
        var allowed = interactive.Count - (int)Math.Ceiling(0.95 * interactive.Count);
        var tail = interactive.Where(r => watcher.Started.TryGetValue(r.Id, out var s) && s - r.ArrivalSeconds > threshold + 1e-9).ToList();
        Console.WriteLine($"interactive requests waiting over {threshold * 1000:F0} ms ({label}): {tail.Count}; p95 ≤ that needs at most {allowed}");
        // How long before each tail request its model was last asked for (interactively): a later turn of a
        // conversation (seconds to minutes) can be kept resident; a first use after a long gap cannot be foreseen.
        var lastAsked = new Dictionary<string, double>();
        var sinceLast = new Dictionary<int, double>();
        foreach (var r in day)
        {
            if (r.Priority == Priority.Interactive)
            {
                sinceLast[r.Id] = lastAsked.TryGetValue(r.Model, out var last) ? r.ArrivalSeconds - last : double.PositiveInfinity;
                lastAsked[r.Model] = r.ArrivalSeconds;
            }
        }
        var byCause = new Dictionary<string, List<double>>();
        foreach (var r in tail)
        {
            var at = watcher.AtArrival[r.Id];
            var wait = watcher.Started[r.Id] - r.ArrivalSeconds;
            var loads = watcher.Loads.Where(l => l.At >= r.ArrivalSeconds - 1e-9 && l.At <= watcher.Started[r.Id] + 1e-9).ToList();
            var own = loads.FirstOrDefault(l => l.Model == r.Model);
            string cause;
            if (at.Loaded is { } m && m.Ready && m.NumCtx >= r.NumCtx)
            {
                cause = "model loaded, runner busy";
            }
            else if (at.Loaded is { } m2 && !m2.Ready)
            {
                cause = "model loading already";
            }
            else
            {
                var before = own is null ? double.NaN : own.At - r.ArrivalSeconds;
                var what = at.Loaded is null ? "cold" : "reload for num_ctx";
                cause = before < 0.01 ? $"{what}: load at once" : $"{what}: load delayed ({(at.LoadInFlight is { } f ? "slot busy: " + f : "slot free")}; {(own?.BusyVictims ?? false ? "victims" : "")})";
                if (before >= 0.01 && own is not null)
                {
                    var others = loads.Where(l => l.At < own.At).Select(l => $"{l.Model}[{l.For}]");
                    cause += " after " + string.Join(",", others);
                }
            }
            var key = cause.Split(" after ")[0].Split(':')[0] + (cause.Contains("delayed") ? ": delayed" : cause.Contains("at once") ? ": at once" : "");
            (byCause.TryGetValue(key, out var list) ? list : byCause[key] = []).Add(wait);
            if (verbose)
            {
                var evicted = watcher.Loads.LastOrDefault(l => l.At <= r.ArrivalSeconds && l.Evict.Contains(r.Model));
                Console.WriteLine($"  #{r.Id} t={r.ArrivalSeconds:F1} {r.Model} ctx {r.NumCtx}: waited {wait:F2} s, last asked {sinceLast[r.Id]:F0} s before — {cause}; loaded at arrival: {at.Set}"
                    + (evicted is null ? "" : $"; evicted at {evicted.At:F1} for {evicted.Model}@{evicted.NumCtx}[{evicted.For}] with {string.Join(",", evicted.Evict)}"));
            }
        }
        foreach (var (cause, waits) in byCause.OrderByDescending(c => c.Value.Count))
        {
            Console.WriteLine($"  {waits.Count,4} × {cause} (waits {waits.Min():F2}–{waits.Max():F2} s)");
        }
        double[] edges = [30, 60, 120, 300, 600, 1800, double.PositiveInfinity];
        var prev = 0.0;
        foreach (var edge in edges)
        {
            var n = tail.Count(r => sinceLast[r.Id] > prev && sinceLast[r.Id] <= edge);
            var all = interactive.Count(r => sinceLast[r.Id] > prev && sinceLast[r.Id] <= edge && r.Model is not ("nomic-embed-text" or "llama3.2:1b" or "llama3.2:3b" or "phi3:mini" or "codellama:7b" or "mistral:7b"));
            Console.WriteLine($"  model last asked {prev}–{edge} s before: {n} in the tail (of {all} slow-to-load requests with that gap)");
            prev = edge;
        }
        var byModel = tail.GroupBy(r => r.Model).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}");
        Console.WriteLine("  by model: " + string.Join(", ", byModel));
        return 0;
    }

    /// <summary>The policy's settings with any <c>--set Name=value</c> applied (to try a rule's parameters without a rebuild).</summary>
    private static ConvoCanvasPolicy.Settings Settings(string[] args)
    {
        var settings = new ConvoCanvasPolicy.Settings();
        for (var i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] != "--set")
            {
                continue;
            }
            var (name, value) = (args[i + 1].Split('=')[0], args[i + 1].Split('=')[1]);
            var property = typeof(ConvoCanvasPolicy.Settings).GetProperty(name) ?? throw new ArgumentException($"no setting '{name}'");
            property.SetValue(settings, Convert.ChangeType(value, property.PropertyType, CultureInfo.InvariantCulture));
        }
        return settings;
    }

    private sealed record Arrival(LoadedModel? Loaded, string? LoadInFlight, string Set);

    private sealed record Load(double At, string Model, int NumCtx, string For, bool BusyVictims, IReadOnlyList<string> Evict);

    private sealed class Watcher(ISchedulingPolicy inner) : ISchedulingPolicy
    {
        public Dictionary<int, double> Started { get; } = [];
        public Dictionary<int, Arrival> AtArrival { get; } = [];
        public List<Load> Loads { get; } = [];

        public string Name => inner.Name;

        public bool Admit(InferenceRequest request, SchedulerState state, out string? reason)
        {
            var loaded = state.FindLoaded(request.Model);
            var inFlight = state.Loaded.FirstOrDefault(m => !m.Ready)?.Name;
            var set = string.Join(" ", state.Loaded.Select(m => $"{m.Name}@{m.NumCtx}{(m.Ready ? "" : "(loading)")}{(m.Assigned > 0 ? "*" + m.Assigned : "")}"))
                + $" | free {(state.BudgetBytes - state.LoadedBytes) / 1e9:F1} GB | queue i{state.Queue.Count(p => p.Priority == Priority.Interactive)} b{state.Queue.Count(p => p.Priority == Priority.Batch)} g{state.Queue.Count(p => p.Priority == Priority.Background)}";
            AtArrival[request.Id] = new Arrival(loaded is null ? null : new LoadedModel(loaded.Spec, loaded.NumCtx, loaded.LoadedAt) { Ready = loaded.Ready }, inFlight, set);
            return inner.Admit(request, state, out reason);
        }

        public SchedulerDecision Decide(SchedulerState state)
        {
            var decision = inner.Decide(state);
            switch (decision)
            {
                case DispatchDecision d:
                    // Both policies' runners take one request at a time; ConvoCanvas dispatches only to an idle runner.
                    var model = state.FindLoaded(d.Request.Model);
                    if (model is { Assigned: 0 })
                    {
                        Started[d.Request.Request.Id] = state.Now;
                    }
                    else
                    {
                        _behind.Add(d.Request.Request.Id);
                    }
                    break;
                case LoadDecision l:
                    var waiting = state.Queue.FirstOrDefault(p => p.Model == l.Model);
                    Loads.Add(new Load(state.Now, l.Model, l.NumCtx, waiting is null ? "-" : waiting.Priority.ToString()[..1].ToLowerInvariant(), false, l.Evict));
                    break;
            }
            return decision;
        }

        private readonly HashSet<int> _behind = [];

        public double? NextWakeUp(SchedulerState state) => inner.NextWakeUp(state);
    }

    /// <summary>
    /// A yardstick, not a policy anyone could run: it knows the whole trace. Interactive first, loads only for a
    /// waiting request (no preloading), a model loaded with the largest num_ctx asked of it in the next 10 minutes,
    /// and it evicts the idle models asked for furthest in the future (Belady's rule, by bytes). What it leaves in the
    /// tail is about what demand loading cannot avoid on this card.
    /// </summary>
    private sealed class OraclePolicy(IReadOnlyList<InferenceRequest> day) : ISchedulingPolicy
    {
        private readonly Dictionary<string, List<InferenceRequest>> _byModel = day.GroupBy(r => r.Model).ToDictionary(g => g.Key, g => g.OrderBy(r => r.TMs).ToList());

        public string Name => "oracle";

        public bool Admit(InferenceRequest request, SchedulerState state, out string? reason)
        {
            reason = null;
            return true;
        }

        public double? NextWakeUp(SchedulerState state) => null;

        private double NextUse(string model, double now)
        {
            foreach (var r in _byModel[model])
            {
                if (r.ArrivalSeconds > now + 1e-9 && r.Priority == Priority.Interactive)
                {
                    return r.ArrivalSeconds - now;
                }
            }
            return double.PositiveInfinity;
        }

        private int Context(string model, int numCtx, double now)
        {
            foreach (var r in _byModel[model])
            {
                if (r.ArrivalSeconds > now && r.ArrivalSeconds < now + 600)
                {
                    numCtx = Math.Max(numCtx, r.NumCtx);
                }
            }
            return numCtx;
        }

        public SchedulerDecision Decide(SchedulerState state)
        {
            var ranked = state.Queue.OrderBy(p => p.Priority).ThenBy(p => p.EnqueuedAt).ToList();
            foreach (var p in ranked)
            {
                if (state.FindLoaded(p.Model) is { Idle: true } m && m.NumCtx >= p.NumCtx)
                {
                    return new DispatchDecision(p);
                }
            }
            if (state.LoadInFlight)
            {
                return SchedulerDecision.Wait;
            }
            foreach (var p in ranked)
            {
                var current = state.FindLoaded(p.Model);
                if (current is not null && current.NumCtx >= p.NumCtx)
                {
                    continue;
                }
                if (current is not null && !current.Idle)
                {
                    return SchedulerDecision.Wait;
                }
                var spec = state.Catalogue[p.Model];
                var numCtx = Context(p.Model, p.NumCtx, state.Now);
                if (VramEstimate.Of(spec, numCtx).TotalBytes > state.BudgetBytes)
                {
                    numCtx = p.NumCtx;
                }
                var need = VramEstimate.Of(spec, numCtx).TotalBytes - (state.BudgetBytes - state.LoadedBytes + (current?.VramBytes ?? 0));
                var victims = new List<string>();
                if (current is not null)
                {
                    victims.Add(current.Name);
                }
                foreach (var m in state.Loaded.Where(m => m != current && m.Ready).OrderByDescending(m => state.Queue.Any(q => q.Model == m.Name) ? -1 : NextUse(m.Name, state.Now)))
                {
                    if (need <= 0)
                    {
                        break;
                    }
                    if (!m.Idle)
                    {
                        return SchedulerDecision.Wait;
                    }
                    victims.Add(m.Name);
                    need -= m.VramBytes;
                }
                return need <= 0 ? new LoadDecision(p.Model, numCtx, victims) : SchedulerDecision.Wait;
            }
            return SchedulerDecision.Wait;
        }
    }
}
