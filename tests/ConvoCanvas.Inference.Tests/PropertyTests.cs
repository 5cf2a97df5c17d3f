using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Inference.Scheduling;
using ConvoCanvas.Inference.Simulation;
using ConvoCanvas.Inference.Trace;
using CsCheck;
using static ConvoCanvas.Inference.Tests.TestCatalogues;

namespace ConvoCanvas.Inference.Tests;

/// <summary>Properties over random catalogues and traces: never over budget, every request served, no starvation.</summary>
public sealed class PropertyTests
{
    private static readonly Gen<(ModelCatalogue Catalogue, InferenceRequest[] Trace)> Workloads =
        from modelCount in Gen.Int[2, 6]
        from sizes in Gen.Double[0.3, 7].Array[modelCount]
        from loads in Gen.Double[0, 5].Array[modelCount]
        from overheads in Gen.Double[0, 1].Array[modelCount]
        from pinned in Gen.Int[-1, modelCount - 1]
        from requests in Gen.Select(Gen.Int[0, 3_600_000], Gen.Int[0, modelCount - 1], Gen.Int[0, 2], Gen.Int[1, 4_000], Gen.Int[0, 800], Gen.Int[0, 4])
            .Array[1, 200]
        select Build(sizes, loads, overheads, pinned, requests);

    private static (ModelCatalogue, InferenceRequest[]) Build(double[] sizes, double[] loads, double[] overheads, int pinned,
        (int T, int Model, int Priority, int Prompt, int Output, int Ctx)[] requests)
    {
        var models = sizes.Select((gb, i) => new ModelSpec($"m{i}", (long)(gb * Gb), 100_000, loads[i], 2_000, 80, (long)(overheads[i] * Gb))).ToArray();
        // Pinning is the operator's promise that the pinned model leaves room for any other: only then is every request servable.
        var largest = models.Select(m => VramEstimate.Of(m, 16384).TotalBytes).ToArray();
        if (pinned >= 0 && largest[pinned] + largest.Where((_, i) => i != pinned).Max() <= 16 * Gb)
        {
            models[pinned] = models[pinned] with { Pinned = true };
        }
        var catalogue = Card(16, models);
        int[] contexts = [512, 2048, 4096, 8192, 16384];
        var trace = requests
            .Select((r, i) => new InferenceRequest(i, r.T, $"m{r.Model}", (Priority)r.Priority, r.Prompt, r.Output == 0 ? 1 : r.Output, contexts[r.Ctx]))
            .OrderBy(r => r.TMs).Select((r, i) => r with { Id = i }).ToArray();
        return (catalogue, trace);
    }

    [Fact]
    public void ConvoCanvas_never_goes_over_budget_and_serves_every_request()
    {
        Workloads.Sample(w =>
        {
            var report = new Simulator(w.Catalogue).Run(w.Trace, new ConvoCanvasPolicy());
            return report.Overcommits == 0 && report.Unserved == 0 && report.Served == w.Trace.Length;
        }, iter: 150);
    }

    [Fact]
    public void Ollama_emulation_serves_every_request_of_a_trace_under_its_queue_limit()
    {
        Workloads.Sample(w =>
        {
            var report = new Simulator(w.Catalogue).Run(w.Trace, new OllamaDefaultPolicy());
            return report.Unserved == 0 && report.Served == w.Trace.Length;
        }, iter: 150);
    }

    [Fact]
    public void The_loaded_set_never_exceeds_the_budget_at_any_decision()
    {
        Workloads.Sample(w =>
        {
            var watcher = new BudgetWatcher(new ConvoCanvasPolicy());
            new Simulator(w.Catalogue).Run(w.Trace, watcher);
            return watcher.MaxLoadedBytes <= w.Catalogue.Gpu.BudgetBytes;
        }, iter: 100);
    }

    /// <summary>
    /// A person keeps two models busy for an hour (requests faster than they can be served) while a few batch
    /// requests wait: one for the same model, and some for a third model that does not fit beside the other two.
    /// Each batch request still starts within a bounded time.
    /// </summary>
    [Fact]
    public void Batch_work_is_not_starved_by_a_stream_of_interactive_work()
    {
        var gen =
            from gaps in Gen.Int[300, 900].Array[2_000, 4_000]
            from batch in Gen.Int[1, 4]
            from chooser in Gen.Int[0, 1].Array[4_000]
            select (gaps, batch, chooser);
        gen.Sample(g =>
        {
            var catalogue = Card(16, Model("a", 6, 2), Model("b", 6, 2), Model("c", 6, 2));
            var trace = new List<InferenceRequest>();
            long t = 0;
            for (var i = 0; i < g.gaps.Length; i++)
            {
                t += g.gaps[i];
                // about 1.3 s of work each, arriving every 0.3–0.9 s: the stream alone saturates both models.
                trace.Add(new InferenceRequest(0, t, g.chooser[i] == 0 ? "a" : "b", Priority.Interactive, 300, 100, 2048));
            }
            for (var i = 0; i < g.batch; i++)
            {
                trace.Add(new InferenceRequest(0, 60_000 + i, i % 2 == 0 ? "c" : "a", Priority.Batch, 300, 100, 2048));
            }
            var ordered = trace.OrderBy(r => r.TMs).Select((r, i) => r with { Id = i }).ToList();
            var report = new Simulator(catalogue).Run(ordered, new ConvoCanvasPolicy());
            // Per batch request: ageing (30 s) + draining a busy model (≤ 2 runs of ~2.6 s at half speed) + a load (2 s) + slack.
            var bound = g.batch * 60.0;
            return report.Unserved == 0 && report.MaxBatchWaitS <= bound;
        }, iter: 20);
    }

    [Fact]
    public void Without_ageing_the_same_batch_work_would_wait_for_the_whole_stream()
    {
        var catalogue = Card(16, Model("a", 6, 2), Model("b", 6, 2), Model("c", 6, 2));
        var trace = new List<InferenceRequest>();
        for (var i = 0; i < 3_000; i++)
        {
            trace.Add(new InferenceRequest(0, i * 600L, i % 2 == 0 ? "a" : "b", Priority.Interactive, 300, 100, 2048));
        }
        trace.Add(new InferenceRequest(0, 60_000, "c", Priority.Batch, 300, 100, 2048));
        var ordered = trace.OrderBy(r => r.TMs).Select((r, i) => r with { Id = i }).ToList();
        var aged = new Simulator(catalogue).Run(ordered, new ConvoCanvasPolicy());
        var never = new Simulator(catalogue).Run(ordered, new ConvoCanvasPolicy(new ConvoCanvasPolicy.Settings { BatchAgingSeconds = 1e9 }));
        Assert.True(aged.MaxBatchWaitS < 60, $"aged: {aged.MaxBatchWaitS} s");
        Assert.True(never.MaxBatchWaitS > 1_000, $"never aged: {never.MaxBatchWaitS} s");
    }

    /// <summary>Passes decisions through and records the most VRAM the loaded set ever held.</summary>
    private sealed class BudgetWatcher(ISchedulingPolicy inner) : ISchedulingPolicy
    {
        public long MaxLoadedBytes { get; private set; }

        public string Name => inner.Name;

        public bool Admit(InferenceRequest request, SchedulerState state, out string? reason) => inner.Admit(request, state, out reason);

        public SchedulerDecision Decide(SchedulerState state)
        {
            MaxLoadedBytes = Math.Max(MaxLoadedBytes, state.LoadedBytes);
            var decision = inner.Decide(state);
            if (decision is LoadDecision load)
            {
                var after = state.LoadedBytes - load.Evict.Sum(name => state.FindLoaded(name)!.VramBytes)
                    + VramEstimate.Of(state.Catalogue[load.Model], load.NumCtx).TotalBytes;
                MaxLoadedBytes = Math.Max(MaxLoadedBytes, after);
            }
            return decision;
        }

        public double? NextWakeUp(SchedulerState state) => inner.NextWakeUp(state);
    }
}
