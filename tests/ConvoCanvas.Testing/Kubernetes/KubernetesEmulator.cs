using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ConvoCanvas.Testing.Kubernetes;

public sealed record KubernetesEmulatorOptions
{
    /// <summary>What <c>/version</c> reports when no serverversion.json was seeded.</summary>
    public string GitVersion { get; init; } = "v1.31.0";

    /// <summary>How many changes are kept for watches that resume from a resourceVersion; older ones answer 410 Gone.</summary>
    public int HistoryLimit { get; init; } = 100_000;

    /// <summary>How often an idle watch that asked for bookmarks gets one (the API server sends one about a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a watch lasts when the request names no timeoutSeconds (the API server picks 30–60 minutes).</summary>
    public TimeSpan DefaultWatchTimeout { get; init; } = TimeSpan.FromMinutes(30);
}

/// <summary>How the emulated API server answers, for outage tests.</summary>
public enum KubernetesEmulatorMode
{
    Serving,

    /// <summary>The listener is closed: connections are refused and open watches dropped.</summary>
    Refusing,

    /// <summary>Every request gets 503 with a Status body; open watches are dropped.</summary>
    Unavailable,

    /// <summary>Every request gets 500 with a Status body; open watches are dropped.</summary>
    Failing,

    /// <summary>Connections are accepted and requests never answered; open watches go silent.</summary>
    Hanging,
}

/// <summary>
/// A stand-in for a Kubernetes API server, for tests: real HTTP on loopback that the real KubernetesClient talks to.
/// It serves <c>/version</c> and cluster-wide lists of namespaces, nodes, pods, services, events, deployments,
/// stateful sets, daemon sets and replica sets (and the namespaced lists), with <c>?watch=true</c> streaming
/// newline-delimited watch events from a resourceVersion, 410 Gone for one it no longer has, bookmarks and
/// timeoutSeconds. Objects are seeded from <c>kubectl get -o json</c> files and changed by the scripting methods
/// below (a container restart, a node's IP, CoreDNS broken…), each change bumping one global resourceVersion and
/// reaching the open watches. Outages (refused, 503, 500, hanging) and a bulk mode for benchmarks are scripted too.
/// </summary>
public sealed class KubernetesEmulator : IAsyncDisposable
{
    private static readonly JsonDocumentOptions ReadOptions = new() { AllowTrailingCommas = true, MaxDepth = 64 };
    private readonly CancellationTokenSource _shutdown = new();
    private readonly object _gate = new();
    private WebApplication? _app;
    private int _port;
    private JsonObject? _version;
    private long _listRequests;
    private long _watchRequests;
    private long _versionRequests;
    private TaskCompletionSource _versionRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _bulk;
    private Task<long>? _bulkTask;

    public KubernetesEmulator(KubernetesEmulatorOptions? options = null)
    {
        Options = options ?? new KubernetesEmulatorOptions();
        Store = new KubernetesObjectStore(Options.HistoryLimit);
    }

    public KubernetesEmulatorOptions Options { get; }

    /// <summary>The objects; tests may read and change them directly, the scripting methods are shorthands.</summary>
    public KubernetesObjectStore Store { get; }

    /// <summary><c>http://127.0.0.1:port</c> once started; the same across <see cref="StopAnsweringAsync"/> and <see cref="ResumeAsync"/>.</summary>
    public string Url => $"http://127.0.0.1:{_port}";

    public KubernetesEmulatorMode Mode { get; private set; } = KubernetesEmulatorMode.Serving;

    /// <summary>The current global resourceVersion.</summary>
    public long ResourceVersion => Store.ResourceVersion;

    public long ListRequests => Interlocked.Read(ref _listRequests);

    public long WatchRequests => Interlocked.Read(ref _watchRequests);

    /// <summary>Answered <c>/version</c> requests (a watcher's first contact and its probes).</summary>
    public long VersionRequests => Interlocked.Read(ref _versionRequests);

    /// <summary>Completes once <paramref name="count"/> <c>/version</c> requests have been answered.</summary>
    public async Task WaitForVersionRequestsAsync(long count, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task requested;
            lock (_gate)
            {
                if (_versionRequests >= count)
                {
                    return;
                }
                requested = _versionRequested.Task;
            }
            await requested.WaitAsync(cancellationToken);
        }
    }

    private IResult AnswerVersion()
    {
        var answer = Results.Json(_version ?? new JsonObject { ["major"] = "1", ["minor"] = "31", ["gitVersion"] = Options.GitVersion, ["platform"] = "linux/amd64" });
        TaskCompletionSource requested;
        lock (_gate)
        {
            _versionRequests++;
            requested = _versionRequested;
            _versionRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        requested.TrySetResult();
        return answer;
    }

    public int OpenWatches => Store.OpenWatches;

    // ---- seeding -------------------------------------------------------------------------------------------------

    /// <summary>Seeds from every *.json under <paramref name="folder"/> (Lists, single objects, a serverversion.json).</summary>
    public KubernetesEmulator SeedFolder(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            SeedJson(File.ReadAllText(file));
        }
        return this;
    }

    /// <summary>Seeds from one JSON document: a List (typed or <c>kind: List</c>), a single object, or a version.</summary>
    public KubernetesEmulator SeedJson(string json)
    {
        var root = JsonNode.Parse(json, documentOptions: ReadOptions) as JsonObject ?? throw new ArgumentException("not a JSON object");
        var kind = root["kind"]?.GetValue<string>();
        if (kind is null && root["gitVersion"] is not null)
        {
            _version = root;
            return this;
        }
        if (root["items"] is JsonArray items)
        {
            var itemKind = kind is { } k && k != "List" && k.EndsWith("List", StringComparison.Ordinal) ? k[..^4] : null;
            foreach (var item in items.OfType<JsonObject>())
            {
                SeedObject(item, item["kind"]?.GetValue<string>() ?? itemKind);
            }
        }
        else
        {
            SeedObject(root, kind);
        }
        EnsureNamespaces();
        return this;
    }

    private void SeedObject(JsonObject item, string? kind)
    {
        // Kinds the emulator does not serve (ConfigMaps, Secrets…) are left out, as a watcher would never ask for them.
        if (kind is not null && EmulatedKind.ByKind(kind) is { } k)
        {
            Store.Seed(k, item);
        }
    }

    /// <summary>A pod cannot exist in a namespace the API does not have: dumps of pods alone get their Namespace objects.</summary>
    private void EnsureNamespaces()
    {
        var have = Store.Objects(EmulatedKind.Namespace).Select(n => n["metadata"]!["name"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var needed = EmulatedKind.All.Where(k => k.Namespaced)
            .SelectMany(k => Store.Objects(k))
            .Select(KubernetesObjectStore.NamespaceOf)
            .OfType<string>()
            .Where(ns => !have.Contains(ns))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        foreach (var ns in needed)
        {
            Store.Seed(EmulatedKind.Namespace, new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = ns },
                ["status"] = new JsonObject { ["phase"] = "Active" },
            });
        }
    }

    // ---- scripting -----------------------------------------------------------------------------------------------

    /// <summary>Adds or replaces an object given as JSON (its <c>kind</c> names the type); returns the stored copy.</summary>
    public JsonObject Put(string json) => Put(JsonNode.Parse(json, documentOptions: ReadOptions)!.AsObject());

    public JsonObject Put(JsonObject obj)
    {
        var kind = obj["kind"]?.GetValue<string>() ?? throw new ArgumentException("the object has no kind");
        return Store.Put(EmulatedKind.ByKind(kind) ?? throw new ArgumentException($"the emulator does not serve {kind}"), obj);
    }

    public bool Delete(EmulatedKind kind, string? ns, string name) => Store.Delete(kind, ns, name);

    /// <summary>
    /// A container restarts and crash-loops, as the kubelet reports it: restartCount+1, lastState.terminated with
    /// <paramref name="reason"/>, state waiting CrashLoopBackOff, not ready; and a BackOff Warning event.
    /// </summary>
    public void AddContainerRestart(string ns, string pod, string? container = null, string reason = "Error", int exitCode = 1)
    {
        var now = Now();
        string? restarted = null;
        var found = Store.Modify(EmulatedKind.Pod, ns, pod, o =>
        {
            var status = o["status"] as JsonObject ?? throw new InvalidOperationException($"pod {ns}/{pod} has no status");
            var statuses = status["containerStatuses"] as JsonArray ?? throw new InvalidOperationException($"pod {ns}/{pod} has no containerStatuses");
            var cs = statuses.OfType<JsonObject>().FirstOrDefault(c => container is null || c["name"]?.GetValue<string>() == container)
                ?? throw new InvalidOperationException($"pod {ns}/{pod} has no container '{container}'");
            restarted = cs["name"]!.GetValue<string>();
            var startedAt = cs["state"]?["running"]?["startedAt"]?.GetValue<string>() ?? now;
            cs["restartCount"] = (cs["restartCount"]?.GetValue<int>() ?? 0) + 1;
            cs["ready"] = false;
            cs["started"] = false;
            cs["lastState"] = new JsonObject
            {
                ["terminated"] = new JsonObject { ["exitCode"] = exitCode, ["reason"] = reason, ["startedAt"] = startedAt, ["finishedAt"] = now, ["containerID"] = cs["containerID"]?.DeepClone() },
            };
            cs["state"] = new JsonObject
            {
                ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff", ["message"] = $"back-off 10s restarting failed container={restarted} pod={pod}" },
            };
            SetCondition(status, "Ready", "False", "ContainersNotReady", now);
            SetCondition(status, "ContainersReady", "False", "ContainersNotReady", now);
        });
        if (!found)
        {
            throw new InvalidOperationException($"no pod {ns}/{pod}");
        }
        Store.Put(EmulatedKind.Event, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = $"{pod}.{Guid.NewGuid():N}"[..Math.Min(pod.Length + 17, 253)], ["namespace"] = ns },
            ["involvedObject"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = pod, ["fieldPath"] = $"spec.containers{{{restarted}}}" },
            ["reason"] = "BackOff",
            ["message"] = "Back-off restarting failed container",
            ["type"] = "Warning",
            ["count"] = 1,
            ["firstTimestamp"] = now,
            ["lastTimestamp"] = now,
            ["source"] = new JsonObject { ["component"] = "kubelet" },
        });
    }

    /// <summary>The node's InternalIP address becomes <paramref name="ip"/> (a node re-addressed by DHCP, say).</summary>
    public void SetNodeInternalIp(string node, string ip)
    {
        var found = Store.Modify(EmulatedKind.Node, null, node, o =>
        {
            var status = (JsonObject)(o["status"] ??= new JsonObject());
            var addresses = (JsonArray)(status["addresses"] ??= new JsonArray());
            if (addresses.OfType<JsonObject>().FirstOrDefault(a => a["type"]?.GetValue<string>() == "InternalIP") is { } a)
            {
                a["address"] = ip;
            }
            else
            {
                addresses.Add(new JsonObject { ["type"] = "InternalIP", ["address"] = ip });
            }
        });
        if (!found)
        {
            throw new InvalidOperationException($"no node {node}");
        }
    }

    /// <summary>The node's Ready condition becomes False (the kubelet stopped posting status) or True again.</summary>
    public void SetNodeReady(string node, bool ready)
    {
        var now = Now();
        var found = Store.Modify(EmulatedKind.Node, null, node, o =>
        {
            var status = (JsonObject)(o["status"] ??= new JsonObject());
            SetCondition(status, "Ready", ready ? "True" : "Unknown", ready ? "KubeletReady" : "NodeStatusUnknown", now,
                ready ? "kubelet is posting ready status" : "Kubelet stopped posting node status.");
        });
        if (!found)
        {
            throw new InvalidOperationException($"no node {node}");
        }
    }

    /// <summary>CoreDNS stops serving: every kube-system pod labelled k8s-app=kube-dns goes not ready; returns how many.</summary>
    public int BreakCoreDns()
    {
        var now = Now();
        return Store.ModifyWhere(EmulatedKind.Pod,
            o => KubernetesObjectStore.NamespaceOf(o) == "kube-system" && o["metadata"]?["labels"]?["k8s-app"]?.GetValue<string>() == "kube-dns",
            o =>
            {
                var status = (JsonObject)(o["status"] ??= new JsonObject());
                SetCondition(status, "Ready", "False", "ContainersNotReady", now);
                SetCondition(status, "ContainersReady", "False", "ContainersNotReady", now);
                foreach (var cs in (status["containerStatuses"] as JsonArray)?.OfType<JsonObject>() ?? [])
                {
                    cs["ready"] = false;
                }
            });
    }

    /// <summary>Every open watch gets ERROR 410 and the history is forgotten: watchers must relist.</summary>
    public void ExpireAllWatches() => Store.ExpireWatches();

    /// <summary>Stops answering: connections refused (the listener is closed), or 503 / 500 to every request.</summary>
    public async Task StopAnsweringAsync(KubernetesEmulatorMode how = KubernetesEmulatorMode.Refusing)
    {
        if (how is KubernetesEmulatorMode.Serving or KubernetesEmulatorMode.Hanging)
        {
            throw new ArgumentException("use ResumeAsync or Hang", nameof(how));
        }
        Mode = how;
        Store.AbortWatches();
        if (how == KubernetesEmulatorMode.Refusing)
        {
            await StopServerAsync();
        }
    }

    /// <summary>Accepts connections and never answers; open watches go silent (the client has to notice by itself).</summary>
    public void Hang() => Mode = KubernetesEmulatorMode.Hanging;

    /// <summary>Answers again, on the same port.</summary>
    public async Task ResumeAsync()
    {
        var wasRefusing = Mode == KubernetesEmulatorMode.Refusing;
        Mode = KubernetesEmulatorMode.Serving;
        if (wasRefusing)
        {
            await StartServerAsync(_port);
        }
    }

    /// <summary>
    /// Emits <paramref name="eventsPerSecond"/> MODIFIED pod events per second (round-robin over the pods, touching an
    /// annotation) until <see cref="StopBulkAsync"/>, which returns how many were emitted.
    /// </summary>
    public void StartBulk(int eventsPerSecond)
    {
        lock (_gate)
        {
            if (_bulk is not null)
            {
                throw new InvalidOperationException("bulk mode is already running");
            }
            _bulk = new CancellationTokenSource();
            _bulkTask = Task.Run(() => BulkAsync(eventsPerSecond, _bulk.Token));
        }
    }

    public async Task<long> StopBulkAsync()
    {
        CancellationTokenSource? bulk;
        Task<long>? task;
        lock (_gate)
        {
            (bulk, task, _bulk, _bulkTask) = (_bulk, _bulkTask, null, null);
        }
        if (bulk is null || task is null)
        {
            return 0;
        }
        await bulk.CancelAsync();
        var emitted = await task;
        bulk.Dispose();
        return emitted;
    }

    private async Task<long> BulkAsync(int perSecond, CancellationToken cancel)
    {
        // A fine tick with catch-up by the clock, so the rate holds even when a tick is late.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        var clock = Stopwatch.StartNew();
        long emitted = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancel))
            {
                var due = (long)(clock.Elapsed.TotalSeconds * perSecond);
                for (; emitted < due; emitted++)
                {
                    var n = emitted;
                    Store.ModifyNth(EmulatedKind.Pod, n, o =>
                    {
                        var metadata = (JsonObject)o["metadata"]!;
                        var annotations = (JsonObject)(metadata["annotations"] ??= new JsonObject());
                        annotations["convocanvas.test/bulk"] = n.ToString(CultureInfo.InvariantCulture);
                    });
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by StopBulkAsync.
        }
        return emitted;
    }

    private static void SetCondition(JsonObject status, string type, string value, string reason, string now, string? message = null)
    {
        var conditions = (JsonArray)(status["conditions"] ??= new JsonArray());
        var c = conditions.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);
        if (c is null)
        {
            c = new JsonObject { ["type"] = type };
            conditions.Add(c);
        }
        c["status"] = value;
        c["reason"] = reason;
        c["lastTransitionTime"] = now;
        if (message is not null)
        {
            c["message"] = message;
        }
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    // ---- HTTP ----------------------------------------------------------------------------------------------------

    public Task StartAsync() => StartServerAsync(0);

    private async Task StartServerAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Use(OutageAsync);
        app.MapGet("/version", AnswerVersion);
        foreach (var kind in EmulatedKind.All)
        {
            app.MapGet("/" + kind.Path, context => ServeAsync(context, kind, null));
            if (kind.Namespaced)
            {
                var prefix = kind.ApiVersion == "v1" ? "api/v1" : $"apis/{kind.ApiVersion}";
                app.MapGet($"/{prefix}/namespaces/{{ns}}/{kind.Resource}", context => ServeAsync(context, kind, (string)context.Request.RouteValues["ns"]!));
            }
        }
        await app.StartAsync();
        _app = app;
        if (port == 0)
        {
            _port = app.Urls.Select(u => new Uri(u).Port).First();
        }
    }

    private async Task StopServerAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await app.StopAsync(stopTimeout.Token);
            await app.DisposeAsync();
        }
    }

    private async Task OutageAsync(HttpContext context, RequestDelegate next)
    {
        switch (Mode)
        {
            case KubernetesEmulatorMode.Unavailable:
                await WriteStatusAsync(context, 503, "ServiceUnavailable", "the server is currently unable to handle the request");
                return;
            case KubernetesEmulatorMode.Failing:
                await WriteStatusAsync(context, 500, "InternalError", "Internal error occurred: emulated failure");
                return;
            case KubernetesEmulatorMode.Hanging:
                await NeverAsync(context.RequestAborted);
                return;
            default:
                await next(context);
                return;
        }
    }

    /// <summary>Waits until the client gives up or the emulator is disposed: what a hung server looks like.</summary>
    private async Task NeverAsync(CancellationToken aborted)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(aborted, _shutdown.Token);
        try
        {
            await Task.Delay(Timeout.Infinite, either.Token);
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }

    private static Task WriteStatusAsync(HttpContext context, int code, string reason, string message)
    {
        context.Response.StatusCode = code;
        return context.Response.WriteAsJsonAsync(KubernetesObjectStore.Status(code, reason, message));
    }

    private async Task ServeAsync(HttpContext context, EmulatedKind kind, string? ns)
    {
        var query = context.Request.Query;
        if (query["watch"].ToString() is "true" or "1")
        {
            Interlocked.Increment(ref _watchRequests);
            await WatchAsync(context, kind, ns);
            return;
        }
        Interlocked.Increment(ref _listRequests);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Store.List(kind, ns).ToJsonString());
    }

    private async Task WatchAsync(HttpContext context, EmulatedKind kind, string? ns)
    {
        var query = context.Request.Query;
        var bookmarks = query["allowWatchBookmarks"].ToString() is "true" or "1";
        var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : Options.DefaultWatchTimeout;
        using var watch = Store.Subscribe(kind, ns, query["resourceVersion"].ToString());
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        // The API server sends the headers at once and then one event per line, flushed as it happens.
        await context.Response.StartAsync();
        using var ends = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, watch.Aborted, _shutdown.Token);
        var deadline = Stopwatch.StartNew();
        var body = context.Response.Body;
        try
        {
            while (true)
            {
                var left = timeout - deadline.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    if (bookmarks)
                    {
                        await WriteLineAsync(body, Store.BookmarkLine(kind), ends.Token);
                    }
                    return;
                }
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(ends.Token);
                var bookmarkDue = bookmarks && Options.BookmarkInterval < left;
                tick.CancelAfter(bookmarkDue ? Options.BookmarkInterval : left);
                bool more;
                try
                {
                    more = await watch.Lines.WaitToReadAsync(tick.Token);
                }
                catch (OperationCanceledException) when (!ends.IsCancellationRequested)
                {
                    // Either a bookmark is due or the deadline came (its bookmark is sent at the top of the loop).
                    if (bookmarkDue && Mode == KubernetesEmulatorMode.Serving)
                    {
                        await WriteLineAsync(body, Store.BookmarkLine(kind), ends.Token);
                    }
                    continue;
                }
                if (Mode == KubernetesEmulatorMode.Hanging)
                {
                    // A hung server keeps the connection open and says nothing more.
                    await NeverAsync(ends.Token);
                    return;
                }
                var batch = new StringBuilder();
                while (watch.Lines.TryRead(out var line))
                {
                    batch.Append(line).Append('\n');
                }
                if (batch.Length > 0)
                {
                    await body.WriteAsync(Encoding.UTF8.GetBytes(batch.ToString()), ends.Token);
                    await body.FlushAsync(ends.Token);
                }
                if (!more)
                {
                    // Closed: after a 410 the API server ends the stream.
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (watch.Aborted.IsCancellationRequested)
        {
            // An outage: drop the connection rather than end the chunked body cleanly.
            context.Abort();
        }
        catch (OperationCanceledException)
        {
            // The client went away or the emulator is shutting down.
        }
    }

    private async Task WriteLineAsync(Stream body, string line, CancellationToken cancel)
    {
        if (Mode == KubernetesEmulatorMode.Hanging)
        {
            await NeverAsync(cancel);
            return;
        }
        await body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancel);
        await body.FlushAsync(cancel);
    }

    public async ValueTask DisposeAsync()
    {
        await StopBulkAsync();
        await _shutdown.CancelAsync();
        await StopServerAsync();
        _shutdown.Dispose();
    }
}
