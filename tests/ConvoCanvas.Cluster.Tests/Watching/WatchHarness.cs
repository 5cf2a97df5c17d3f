using ConvoCanvas.Cluster.Watching;
using ConvoCanvas.Testing.Kubernetes;
using k8s;
using Microsoft.Extensions.Logging;

namespace ConvoCanvas.Cluster.Tests.Watching;

/// <summary>An emulated API server seeded with a dump folder (the kind cluster unless told), the real client, and a running watcher with short timeouts.</summary>
internal sealed class WatchHarness : IAsyncDisposable
{
    /// <summary>Generous for a loaded CI machine; the tests finish in well under it when things work.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly CancellationTokenSource _stop = new();
    private Task? _run;

    private WatchHarness(KubernetesEmulator emulator, Kubernetes client, ClusterWatcher watcher)
    {
        Emulator = emulator;
        Client = client;
        Watcher = watcher;
    }

    public KubernetesEmulator Emulator { get; }

    public Kubernetes Client { get; }

    public ClusterWatcher Watcher { get; }

    /// <summary>The watcher's log, shown when a wait times out.</summary>
    public RecordingLogger Log { get; private init; } = new();

    public static ClusterConnectionOptions FastOptions => new()
    {
        Name = "kind",
        WatchTimeout = TimeSpan.FromSeconds(2),
        // Long enough for a cold first request on a busy 2-core machine (1 s timed out once in CI).
        RequestTimeout = TimeSpan.FromSeconds(3),
        BackoffMin = TimeSpan.FromMilliseconds(50),
        BackoffMax = TimeSpan.FromMilliseconds(400),
    };

    public static async Task<WatchHarness> StartAsync(ClusterConnectionOptions? options = null, bool connected = true, string? seedFolder = null)
    {
        var emulator = new KubernetesEmulator().SeedFolder(seedFolder ?? SharedK8sData.KindCluster);
        await emulator.StartAsync();
        var client = new Kubernetes(new KubernetesClientConfiguration { Host = emulator.Url });
        var log = new RecordingLogger();
        var watcher = new ClusterWatcher(options ?? FastOptions, log, client);
        var harness = new WatchHarness(emulator, client, watcher) { Log = log };
        harness._run = watcher.RunAsync(harness._stop.Token);
        if (connected)
        {
            await harness.WaitUntilAsync(w => w.Status.Connected, "the first list of every kind");
        }
        return harness;
    }

    /// <summary>Waits on the watcher's change signal (no polling, no sleeps) until <paramref name="condition"/> holds.</summary>
    public async Task WaitUntilAsync(Func<ClusterWatcher, bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var seen = -1L;
        try
        {
            while (true)
            {
                var version = Watcher.Version;
                if (condition(Watcher))
                {
                    return;
                }
                seen = await Watcher.WaitForChangeAsync(version, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"after {Patience.TotalSeconds} s still waiting for {what} (watcher version {seen}, status {Watcher.Status})\nwatcher log:\n{Log.Tail(80)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await _run.WaitAsync(Patience);
        }
        Watcher.Dispose();
        Client.Dispose();
        await Emulator.DisposeAsync();
        _stop.Dispose();
    }
}

/// <summary>Keeps what the watcher logs, with times, so a failed wait can show what the watcher was doing.</summary>
internal sealed class RecordingLogger : ILogger<ClusterWatcher>
{
    private readonly List<string> _lines = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel}: {formatter(state, exception)}");
        }
    }

    public string Tail(int count)
    {
        lock (_lines)
        {
            return string.Join('\n', _lines.TakeLast(count));
        }
    }
}
