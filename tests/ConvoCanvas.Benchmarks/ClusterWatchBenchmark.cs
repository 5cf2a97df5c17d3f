using System.Diagnostics;
using System.Globalization;
using ConvoCanvas.Cluster.Watching;
using ConvoCanvas.Testing;
using ConvoCanvas.Testing.Kubernetes;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace ConvoCanvas.Benchmarks;

/// <summary>
/// How fast the cluster watcher keeps up: the emulator emits MODIFIED pod events at a fixed rate for a while, and
/// the watcher's applied events per second and its lag (how many resourceVersions behind the emulator it ends, and
/// how long it takes to catch up) are reported. It measures; it asserts nothing.
/// </summary>
public static class ClusterWatchBenchmark
{
    public static async Task<string> RunAsync(int eventsPerSecond = 1_000, int seconds = 10)
    {
        await using var emulator = new KubernetesEmulator();
        var seed = RepositoryPaths.SharedData is { } data ? Path.Combine(data, "k8s", "sonobuoy-kind-cluster", "pkg", "discovery", "testdata", "healthsummary") : null;
        if (seed is not null && Directory.Exists(seed))
        {
            emulator.SeedFolder(seed);
        }
        else
        {
            for (var i = 0; i < 20; i++)
            {
                emulator.Put($$$"""{"kind":"Pod","metadata":{"name":"bench-{{{i}}}","namespace":"default"},"status":{"phase":"Running"}}""");
            }
        }
        await emulator.StartAsync();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = emulator.Url });
        using var watcher = new ClusterWatcher(new ClusterConnectionOptions { Name = "bench" }, NullLogger<ClusterWatcher>.Instance, client);
        using var stop = new CancellationTokenSource();
        var run = watcher.RunAsync(stop.Token);
        using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            for (var v = 0L; !watcher.Status.Connected; v = await watcher.WaitForChangeAsync(v, connect.Token))
            {
            }
        }

        var appliedBefore = watcher.Status.EventsApplied;
        var clock = Stopwatch.StartNew();
        emulator.StartBulk(eventsPerSecond);
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var emitted = await emulator.StopBulkAsync();
        var elapsed = clock.Elapsed;
        var target = emulator.ResourceVersion;
        var lagAtStop = target - watcher.Status.ResourceVersion;
        var appliedAtStop = watcher.Status.EventsApplied - appliedBefore;

        // Then how long until the watcher has seen the emulator's last version.
        using var catchUp = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var caughtUp = Stopwatch.StartNew();
        try
        {
            for (var v = watcher.Version; watcher.Status.ResourceVersion < target; v = await watcher.WaitForChangeAsync(v, catchUp.Token))
            {
            }
        }
        catch (OperationCanceledException)
        {
            // Reported below as not caught up.
        }
        var catchUpTime = caughtUp.Elapsed;
        var final = watcher.Status;
        await stop.CancelAsync();
        await run;

        var inv = CultureInfo.InvariantCulture;
        return string.Join('\n',
            $"cluster watch: {emitted} MODIFIED events emitted in {elapsed.TotalSeconds.ToString("0.0", inv)} s (asked {eventsPerSecond}/s, got {(emitted / elapsed.TotalSeconds).ToString("0", inv)}/s)",
            $"  applied by the watcher: {appliedAtStop} by the stop ({(appliedAtStop / elapsed.TotalSeconds).ToString("0", inv)}/s), {final.EventsApplied - appliedBefore} in all",
            $"  lag at the stop: {lagAtStop} resourceVersions; caught up: {(final.ResourceVersion >= target ? $"yes, in {catchUpTime.TotalMilliseconds.ToString("0", inv)} ms" : $"no, {target - final.ResourceVersion} behind after 30 s")}",
            $"  relists: {final.Relists}, last error: {final.LastError ?? "none"}");
    }
}
