using System.Diagnostics;
using System.Globalization;
using System.Text;
using ConvoCanvas.Cluster.Diagrams;
using ConvoCanvas.Cluster.Model;
using ConvoCanvas.Testing.Cluster;

namespace ConvoCanvas.Benchmarks;

/// <summary>
/// <c>./scripts/bench.sh cluster</c>: how long a snapshot takes to become a diagram (the target: ≤ 100 ms for ASCII at
/// 500 pods), at several sizes, for the Kubernetes objects → snapshot step, ASCII and Mermaid; then the watcher against
/// the Kubernetes API emulator at 1,000 watch events/s (the target) and 5,000/s. Measures and records; asserts nothing.
/// </summary>
internal static class ClusterBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        var runs = int.Parse(Arg("--runs", "50"), CultureInfo.InvariantCulture);
        var results = Arg("--results", "");
        var report = new StringBuilder();
        report.AppendLine($"### Cluster benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        report.AppendLine();
        report.AppendLine($"- machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        report.AppendLine($"- command: `./scripts/bench.sh cluster` (synthetic k3s cluster: 3 nodes, 7 namespaces, deployments of 1–6 pods with a service each, 1 % of pods crash-looping; {runs} timed runs after 5 warm-up runs, median and max)");
        report.AppendLine();
        report.AppendLine("| pods | workloads | objects → snapshot (ms) | snapshot → ASCII (ms) | snapshot → Mermaid (ms) | ASCII lines |");
        report.AppendLine("|---|---|---|---|---|---|");
        foreach (var pods in new[] { 23, 500, 2_000, 5_000 })
        {
            var resources = SyntheticCluster.Resources(pods, crashLooping: Math.Max(1, pods / 100));
            var snapshot = SnapshotBuilder.Build("home", resources, SyntheticCluster.DefaultAt);
            var build = Time(runs, () => SnapshotBuilder.Build("home", resources, SyntheticCluster.DefaultAt));
            var ascii = Time(runs, () => AsciiDiagram.Render(snapshot));
            var mermaid = Time(runs, () => MermaidDiagram.Render(snapshot));
            var lines = AsciiDiagram.Render(snapshot).Count(c => c == '\n');
            var row = $"| {pods:N0} | {snapshot.Workloads.Count:N0} | {build} | {ascii} | {mermaid} | {lines:N0} |";
            Console.WriteLine(row);
            report.AppendLine(row);
        }
        report.AppendLine();
        report.AppendLine("(each cell: median / max in ms)");

        // The target rate, then a higher one to see where the watcher's ceiling is on this machine.
        foreach (var (rate, seconds) in new[] { (1_000, 10), (5_000, 5) })
        {
            var watch = await ClusterWatchBenchmark.RunAsync(rate, seconds);
            Console.WriteLine(watch);
            report.AppendLine();
            report.AppendLine(watch);
        }
        report.AppendLine();
        if (results.Length > 0)
        {
            await File.AppendAllTextAsync(results, "\n" + report);
            Console.Error.WriteLine($"appended to {results}");
        }
        return 0;
    }

    /// <summary>"median / max" in ms over <paramref name="runs"/> timed runs after five warm-up runs.</summary>
    private static string Time<T>(int runs, Func<T> action)
    {
        for (var i = 0; i < 5; i++)
        {
            action();
        }
        var times = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            var started = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        times.Sort();
        return $"{times[times.Count / 2]:F2} / {times[^1]:F2}";
    }
}
