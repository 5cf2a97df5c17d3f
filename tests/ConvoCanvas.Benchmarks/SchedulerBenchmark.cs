using System.Diagnostics;
using System.Globalization;
using System.Text;
using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Inference.Scheduling;
using ConvoCanvas.Inference.Simulation;
using ConvoCanvas.Inference.Trace;

namespace ConvoCanvas.Benchmarks;

/// <summary>
/// Both scheduling policies on the generated day (fixed seed) with the 17-model RTX 4080 catalogue, in one
/// run: waits, loads, makespan, over-commits, and how fast the ConvoCanvas policy decides. Measures and
/// records; it asserts nothing.
/// </summary>
internal static class SchedulerBenchmark
{
    public static int Run(string[] args)
    {
        string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        var cataloguePath = Arg("--catalogue", Path.Combine(AppContext.BaseDirectory, "rtx4080.json"));
        var seed = int.Parse(Arg("--seed", "1"), CultureInfo.InvariantCulture);
        var runs = int.Parse(Arg("--runs", "5"), CultureInfo.InvariantCulture);
        var results = Arg("--results", "");

        var catalogue = ModelCatalogue.Load(cataloguePath);
        var day = new DayTraceGenerator(seed).Generate();
        var simulator = new Simulator(catalogue);

        // Warm-up, then the median of several runs for the timings (the figures themselves are deterministic).
        simulator.Run(day, new ConvoCanvasPolicy());
        simulator.Run(day, new OllamaDefaultPolicy(seed));
        var ours = new List<SimulationReport>();
        var theirs = new List<SimulationReport>();
        var wall = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var watch = Stopwatch.StartNew();
            ours.Add(simulator.Run(day, new ConvoCanvasPolicy()));
            wall.Add(watch.Elapsed.TotalSeconds);
            theirs.Add(simulator.Run(day, new OllamaDefaultPolicy(seed)));
        }
        var c = ours[0];
        var o = theirs[0];
        var decisionsPerSecond = ours.Select(r => r.DecisionsPerSecond).Order().ElementAt(runs / 2);
        var ollamaDecisionsPerSecond = theirs.Select(r => r.DecisionsPerSecond).Order().ElementAt(runs / 2);
        var (lease, leaseCount) = LeaseDecisions(catalogue);

        string Ratio(double ours, double theirs, double target) =>
            theirs == 0 ? "n/a" : $"{ours / theirs:F2} (target ≤ {target:F1}: {(ours <= target * theirs ? "met" : "missed")})";

        var interactive = day.Count(r => r.Priority == Priority.Interactive);
        var report = new StringBuilder();
        report.AppendLine($"### Scheduler benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        report.AppendLine();
        report.AppendLine($"- machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        report.AppendLine($"- command: `./scripts/bench.sh scheduler` (catalogue {Path.GetFileName(cataloguePath)}: {catalogue.Models.Count} models on the {catalogue.Gpu.Name}, {catalogue.Gpu.VramBytes / 1e9:F1} GB; generated day, seed {seed}: {day.Count:N0} requests, {interactive:N0} interactive, {day.Count(r => r.Priority == Priority.Batch):N0} batch incl. {DayTraceGenerator.BulkChunks:N0} chunks to embed, {day.Count(r => r.Priority == Priority.Background):N0} background)");
        report.AppendLine("- cost model: each loaded model runs one request at a time; models running at once share the GPU evenly; one load at a time, overlapping other models' work; the same for both policies");
        report.AppendLine();
        report.AppendLine("| | convocanvas | ollama | convocanvas / ollama |");
        report.AppendLine("|---|---|---|---|");
        report.AppendLine($"| interactive wait p50 / p95 / p99 (ms) | {c.InteractiveWaitMs.P50:F0} / {c.InteractiveWaitMs.P95:F0} / {c.InteractiveWaitMs.P99:F0} | {o.InteractiveWaitMs.P50:F0} / {o.InteractiveWaitMs.P95:F0} / {o.InteractiveWaitMs.P99:F0} | p95 {Ratio(c.InteractiveWaitMs.P95, o.InteractiveWaitMs.P95, 0.5)} |");
        report.AppendLine($"| model loads (preloads among them) | {c.Loads:N0} ({c.Preloads:N0}) | {o.Loads:N0} ({o.Preloads:N0}) | {Ratio(c.Loads, o.Loads, 0.7)} |");
        report.AppendLine($"| batch makespan (s) | {c.BatchMakespanS:F0} | {o.BatchMakespanS:F0} | {Ratio(c.BatchMakespanS, o.BatchMakespanS, 1.1)} |");
        report.AppendLine($"| VRAM over-commits | {c.Overcommits} | {o.Overcommits} | target 0 for convocanvas: {(c.Overcommits == 0 ? "met" : "missed")} |");
        report.AppendLine($"| batch wait p50 / p95 / max (s) | {c.BatchWaitMs.P50 / 1000:F1} / {c.BatchWaitMs.P95 / 1000:F1} / {c.MaxBatchWaitS:F1} | {o.BatchWaitMs.P50 / 1000:F1} / {o.BatchWaitMs.P95 / 1000:F1} / {o.MaxBatchWaitS:F1} | |");
        report.AppendLine($"| background makespan (s) | {c.BackgroundMakespanS:F0} | {o.BackgroundMakespanS:F0} | |");
        report.AppendLine($"| evictions / keep_alive expiries | {c.Evictions:N0} / {c.Expiries:N0} | {o.Evictions:N0} / {o.Expiries:N0} | |");
        report.AppendLine($"| GB loaded | {c.GbLoaded:N1} | {o.GbLoaded:N1} | |");
        report.AppendLine($"| GPU idle while work waits | {c.GpuIdlePct:F1} % | {o.GpuIdlePct:F1} % | |");
        report.AppendLine($"| unserved | {c.Unserved} | {o.Unserved} | |");
        report.AppendLine();
        report.AppendLine($"- policy speed over the day (policy CPU only, median of {runs}): convocanvas {decisionsPerSecond:N0} decisions/s, ollama {ollamaDecisionsPerSecond:N0} decisions/s; the whole simulated day in {wall.Order().ElementAt(runs / 2) * 1000:F0} ms for convocanvas");
        report.AppendLine($"- lease decisions under load, the policy alone (a queue of 200 mixed requests, 3 models loaded; dispatch or load decided and carried out, {leaseCount:N0} decisions): {lease:N0} decisions/s");
        var grain = GrainLeaseBenchmark.RunAsync().GetAwaiter().GetResult();
        report.AppendLine($"- lease decisions through the GPU scheduler grain (in-process silo, {grain.Callers} callers each taking a lease on one of 3 loaded models and giving it back, mixed priorities, {grain.Seconds:F1} s, {grain.Grants:N0} leases, {grain.Decisions:N0} policy decisions): {grain.GrantsPerSecond:N0} leases granted and returned per second (target ≥ 5,000 lease decisions/s: {(grain.GrantsPerSecond >= 5000 ? "met" : "missed")})");
        Console.WriteLine(report);
        if (results.Length > 0)
        {
            File.AppendAllText(results, Environment.NewLine + report);
        }
        return 0;
    }

    /// <summary>
    /// Decisions per second with a busy scheduler: 200 queued requests over the catalogue, each decision
    /// answered as the grain would (the request leaves the queue), the state rebuilt when the queue empties.
    /// </summary>
    private static (double PerSecond, long Count) LeaseDecisions(ModelCatalogue catalogue)
    {
        var random = new Random(5);
        var chat = catalogue.Models.Where(m => m.TokensPerSecond > 0).ToList();
        long decisions = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(3))
        {
            var policy = new ConvoCanvasPolicy();
            var state = new SchedulerState(catalogue) { Now = 1000 };
            foreach (var name in new[] { "llama3.1:8b", "qwen2.5-coder:7b", "nomic-embed-text" })
            {
                var limit = catalogue[name].ContextLength;
                state.AddLoaded(new LoadedModel(catalogue[name], limit > 0 ? Math.Min(limit, 8192) : 8192, 0) { Ready = true });
            }
            for (var i = 0; i < 200; i++)
            {
                var model = random.Next(3) == 0 ? chat[random.Next(chat.Count)].Name : state.Loaded[random.Next(3)].Name;
                var request = new InferenceRequest(i, 1000, model, (Priority)random.Next(3), 500, 100, 2048);
                policy.Admit(request, state, out _);
                state.Enqueue(new PendingRequest(request, 900 + i * 0.1));
            }
            while (state.Queue.Count > 0)
            {
                switch (policy.Decide(state))
                {
                    case DispatchDecision d:
                        // The lease is granted and returned at once: the runner is free for the next decision.
                        state.Dequeue(d.Request);
                        break;
                    case LoadDecision load:
                        foreach (var victim in load.Evict)
                        {
                            state.RemoveLoaded(state.FindLoaded(victim)!);
                        }
                        state.AddLoaded(new LoadedModel(catalogue[load.Model], load.NumCtx, state.Now) { Ready = true });
                        break;
                    case RejectDecision r:
                        state.Dequeue(r.Request);
                        break;
                    default:
                        // Waiting on busy models cannot happen here (nothing stays busy); stop this round.
                        state = new SchedulerState(catalogue);
                        break;
                }
                decisions++;
                state.Now += 0.01;
            }
        }
        return (decisions / watch.Elapsed.TotalSeconds, decisions);
    }
}
