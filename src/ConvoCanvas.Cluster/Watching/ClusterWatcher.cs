using System.Globalization;
using System.Net.Http;
using ConvoCanvas.Cluster.Model;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace ConvoCanvas.Cluster.Watching;

/// <summary>
/// Keeps a live copy of a cluster's namespaces, nodes, pods, services, events and workloads: lists each kind, then
/// watches it from the list's resourceVersion. A watch that ends is reopened from the last version seen; 410 Gone
/// and the <see cref="ClusterConnectionOptions.RelistPeriod"/> cause a fresh list; failures (refused, 5xx, timeouts, a
/// watch gone silent) are retried after an exponential back-off with jitter, and recovery relists. Objects are keyed
/// by uid, so a relist replaces rather than duplicates. <see cref="Current"/> gives an immutable copy for
/// <see cref="SnapshotBuilder"/>; <see cref="WaitForChangeAsync"/> wakes once for any number of changes.
/// </summary>
public sealed class ClusterWatcher : IDisposable
{
    private readonly ClusterConnectionOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly object _lock = new();
    private readonly IReadOnlyList<KindWatch> _kinds;
    private IKubernetes? _client;
    private bool _ownsClient;
    private long _version;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClusterWatchStatus _status;
    private ClusterResources? _current;
    private long _currentVersion = -1;

    /// <summary>Cancelled when a probe finds the API server silent: every open watch is then restarted.</summary>
    private CancellationTokenSource _probeFailed = new();

    /// <param name="client">The API client; null builds one from <paramref name="options"/> when <see cref="RunAsync"/> starts.</param>
    public ClusterWatcher(ClusterConnectionOptions options, ILogger<ClusterWatcher> logger, IKubernetes? client = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger;
        _client = client;
        _time = timeProvider ?? TimeProvider.System;
        _status = new ClusterWatchStatus { Cluster = options.Name, Configured = client is not null || options.IsConfigured };
        _kinds =
        [
            Kind<V1Namespace>("namespaces", async (c, ct) => Page(await c.CoreV1.ListNamespaceAsync(cancellationToken: ct)),
                (c, rv, t, e, ct) => c.CoreV1.WatchListNamespaceAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: t, onError: e, cancellationToken: ct)),
            Kind<V1Node>("nodes", async (c, ct) => Page(await c.CoreV1.ListNodeAsync(cancellationToken: ct)),
                (c, rv, t, e, ct) => c.CoreV1.WatchListNodeAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: t, onError: e, cancellationToken: ct)),
            Kind<V1Pod>("pods", async (c, ct) => Page(await c.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct)),
                (c, rv, t, e, ct) => c.CoreV1.WatchListPodForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: t, onError: e, cancellationToken: ct)),
            Kind<V1Service>("services", async (c, ct) => Page(await c.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: ct)),
                (c, rv, t, e, ct) => c.CoreV1.WatchListServiceForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: t, onError: e, cancellationToken: ct)),
            Kind<Corev1Event>("events", async (c, ct) => Page(await c.CoreV1.ListEventForAllNamespacesAsync(cancellationToken: ct)),
                (c, rv, t, e, ct) => c.CoreV1.WatchListEventForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: t, onError: e, cancellationToken: ct),
                bound: options.MaxEvents),
            Kind<V1Deployment>("deployments", async (c, ct) => Page(await c.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: ct)),
                (c, rv, t, e, ct) => c.AppsV1.WatchListDeploymentForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: t, onError: e, cancellationToken: ct)),
            Kind<V1StatefulSet>("statefulsets", async (c, ct) => Page(await c.AppsV1.ListStatefulSetForAllNamespacesAsync(cancellationToken: ct)),
                (c, rv, t, e, ct) => c.AppsV1.WatchListStatefulSetForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: t, onError: e, cancellationToken: ct)),
            Kind<V1DaemonSet>("daemonsets", async (c, ct) => Page(await c.AppsV1.ListDaemonSetForAllNamespacesAsync(cancellationToken: ct)),
                (c, rv, t, e, ct) => c.AppsV1.WatchListDaemonSetForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: t, onError: e, cancellationToken: ct)),
            Kind<V1ReplicaSet>("replicasets", async (c, ct) => Page(await c.AppsV1.ListReplicaSetForAllNamespacesAsync(cancellationToken: ct)),
                (c, rv, t, e, ct) => c.AppsV1.WatchListReplicaSetForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: t, onError: e, cancellationToken: ct)),
        ];
    }

    public string Cluster => _options.Name;

    /// <summary>Counts changes to <see cref="Current"/>, to the connection part of <see cref="Status"/>, and relists.</summary>
    public long Version { get { lock (_lock) { return _version; } } }

    public ClusterWatchStatus Status { get { lock (_lock) { return _status with { Version = _version }; } } }

    /// <summary>An immutable copy of what is known now (the same instance until something changes).</summary>
    public ClusterResources Current()
    {
        lock (_lock)
        {
            if (_current is null || _currentVersion != _version)
            {
                _current = new ClusterResources
                {
                    Namespaces = Items<V1Namespace>("namespaces"),
                    Nodes = Items<V1Node>("nodes"),
                    Pods = Items<V1Pod>("pods"),
                    Services = Items<V1Service>("services"),
                    Events = Items<Corev1Event>("events"),
                    Deployments = Items<V1Deployment>("deployments"),
                    StatefulSets = Items<V1StatefulSet>("statefulsets"),
                    DaemonSets = Items<V1DaemonSet>("daemonsets"),
                    ReplicaSets = Items<V1ReplicaSet>("replicasets"),
                    ServerVersion = _status.ServerVersion,
                };
                _currentVersion = _version;
            }
            return _current;
        }
    }

    /// <summary>
    /// Completes with the new <see cref="Version"/> once it is past <paramref name="afterVersion"/>: at once if it
    /// already is, else at the next change. Many changes in a burst wake a waiter once.
    /// </summary>
    public async Task<long> WaitForChangeAsync(long afterVersion, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_version > afterVersion)
                {
                    return _version;
                }
                changed = _changed.Task;
            }
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Watches until <paramref name="cancellationToken"/> is cancelled; returns then, and never throws.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_client is null)
            {
                _client = ClusterClientFactory.Create(_options);
                _ownsClient = _client is not null;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A URL without a scheme, a kubeconfig path that is not one, bad certificate data: the watch cannot start,
            // and the status says why instead of "first lists under way" forever.
            ClusterWatchLog.Misconfigured(_logger, _options.Name, e.Message);
            Update(s => s with { Configured = false, LastError = e.Message, LastErrorAt = _time.GetUtcNow() });
            await IdleAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        if (_client is null)
        {
            ClusterWatchLog.NotConfigured(_logger, _options.Name, ClusterClientFactory.NotConfiguredMessage);
            Update(s => s with { Configured = false, LastError = ClusterClientFactory.NotConfiguredMessage, LastErrorAt = _time.GetUtcNow() });
            await IdleAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        var client = _client;
        var loops = _kinds.Select(k => Task.Run(() => RunKindAsync(client, k, cancellationToken), CancellationToken.None)).Append(Task.Run(() => ReadVersionAsync(client, cancellationToken), CancellationToken.None));
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    private static async Task IdleAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping is the only way out of idle.
        }
    }

    public void Dispose()
    {
        _probeFailed.Dispose();
        if (_ownsClient)
        {
            _client?.Dispose();
        }
    }

    // ---- the loops -----------------------------------------------------------------------------------------------

    private async Task ReadVersionAsync(IKubernetes client, CancellationToken stop)
    {
        for (var attempt = 0; !stop.IsCancellationRequested; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(_options.RequestTimeout);
                var version = await client.Version.GetCodeAsync(timeout.Token).ConfigureAwait(false);
                Update(s => s with { ServerVersion = version.GitVersion });
                ClusterWatchLog.Connected(_logger, _options.Name, version.GitVersion);
                await ProbeAsync(client, stop).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (!stop.IsCancellationRequested)
            {
                // The kind loops report the API's failures; the version is only worth another try.
                if (!await DelayAsync(Backoff(attempt), stop).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Asks /version whenever nothing was heard for <see cref="ClusterConnectionOptions.ProbeInterval"/>. A probe with no
    /// answer restarts the watches, which then fail and back off like any other failure until the server answers.
    /// </summary>
    private async Task ProbeAsync(IKubernetes client, CancellationToken stop)
    {
        var interval = _options.ProbeInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }
        while (await DelayAsync(interval / 2, stop).ConfigureAwait(false))
        {
            var lastContact = Status.LastContact ?? DateTimeOffset.MinValue;
            if (_time.GetUtcNow() - lastContact < interval)
            {
                continue;
            }
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(_options.RequestTimeout);
                await client.Version.GetCodeAsync(timeout.Token).ConfigureAwait(false);
                lock (_lock)
                {
                    SetStatus(_status with { LastContact = _time.GetUtcNow() });
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                ClusterWatchLog.ProbeFailed(_logger, _options.Name, Describe(e is OperationCanceledException ? new TimeoutException($"no answer in {Seconds(_options.RequestTimeout)}") : e));
                CancellationTokenSource failed;
                lock (_lock)
                {
                    failed = _probeFailed;
                    _probeFailed = new CancellationTokenSource();
                }
                await failed.CancelAsync().ConfigureAwait(false);
                failed.Dispose();
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunKindAsync(IKubernetes client, KindWatch kind, CancellationToken stop)
    {
        var attempt = 0;
        var needList = true;
        string? resourceVersion = null;
        var listedAt = DateTimeOffset.MinValue;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (!needList && _time.GetUtcNow() - listedAt >= _options.RelistPeriod)
                {
                    ClusterWatchLog.PeriodicRelist(_logger, _options.Name, kind.Name);
                    needList = true;
                }
                if (needList)
                {
                    resourceVersion = await ListAsync(client, kind, stop).ConfigureAwait(false);
                    listedAt = _time.GetUtcNow();
                    needList = false;
                    attempt = 0;
                }
                var started = _time.GetUtcNow();
                var (outcome, lastVersion) = await WatchAsync(client, kind, resourceVersion, stop).ConfigureAwait(false);
                resourceVersion = lastVersion;
                attempt = 0;
                if (outcome == WatchOutcome.Gone)
                {
                    ClusterWatchLog.Expired(_logger, _options.Name, kind.Name, resourceVersion);
                    needList = true;
                }
                else if (outcome == WatchOutcome.EndedEmpty && _time.GetUtcNow() - started < _options.BackoffMin)
                {
                    // A server that ends watches at once would otherwise be asked again in a tight loop.
                    await DelayAsync(_options.BackoffMin, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var error = $"{kind.Name}: {Describe(e)}";
                var delay = Backoff(attempt++);
                ClusterWatchLog.Failed(_logger, _options.Name, kind.Name, Describe(e), delay);
                lock (_lock)
                {
                    kind.Failing = true;
                    SetStatus(_status with { LastError = error, LastErrorAt = _time.GetUtcNow() });
                }
                // What happened while the connection was down is read afresh rather than trusted to a resumed watch.
                needList = true;
                if (!await DelayAsync(delay, stop).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
    }

    private async Task<string?> ListAsync(IKubernetes client, KindWatch kind, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(_options.RequestTimeout);
        (IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Items, string? ResourceVersion) page;
        try
        {
            page = await kind.ListAsync(client, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            throw new TimeoutException($"the list had no answer in {Seconds(_options.RequestTimeout)}");
        }
        lock (_lock)
        {
            var changed = kind.Replace(page.Items);
            var relist = kind.Listed;
            kind.Listed = true;
            kind.Failing = false;
            var status = _status with
            {
                LastContact = _time.GetUtcNow(),
                Relists = _status.Relists + (relist ? 1 : 0),
                ResourceVersion = Math.Max(_status.ResourceVersion, ParseVersion(page.ResourceVersion)),
            };
            SetStatus(status, dataChanged: changed);
        }
        ClusterWatchLog.Listed(_logger, _options.Name, page.Items.Count, kind.Name, page.ResourceVersion);
        return page.ResourceVersion;
    }

    private enum WatchOutcome { Ended, EndedEmpty, Gone }

    private async Task<(WatchOutcome Outcome, string? ResourceVersion)> WatchAsync(IKubernetes client, KindWatch kind, string? resourceVersion, CancellationToken stop)
    {
        // The server ends the watch at timeoutSeconds; one silent for that long plus a request's grace is hung.
        var idleLimit = _options.WatchTimeout + _options.RequestTimeout;
        CancellationToken probeFailed;
        lock (_lock)
        {
            probeFailed = _probeFailed.Token;
        }
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stop, probeFailed);
        idle.CancelAfter(idleLimit);
        var gone = false;
        Exception? streamError = null;
        var delivered = false;
        void OnError(Exception e)
        {
            switch (e)
            {
                case KubernetesException { Status.Code: 410 }:
                    gone = true;
                    break;
                case KubernetesException k:
                    streamError ??= new KubernetesException(k.Status);
                    break;
                case System.Text.Json.JsonException:
                    // One event the client could not read is skipped; the next relist repairs whatever it was.
                    ClusterWatchLog.BadEvent(_logger, _options.Name, kind.Name, e.Message);
                    break;
                default:
                    streamError ??= e;
                    break;
            }
        }
        var timeoutSeconds = (int)Math.Max(1, Math.Ceiling(_options.WatchTimeout.TotalSeconds));
        try
        {
            await foreach (var (type, item) in kind.Watch(client, resourceVersion, timeoutSeconds, OnError, idle.Token).ConfigureAwait(false))
            {
                idle.CancelAfter(idleLimit);
                delivered = true;
                resourceVersion = item?.Metadata?.ResourceVersion ?? resourceVersion;
                Apply(kind, type, item, resourceVersion);
            }
        }
        catch (EndOfStreamException)
        {
            // The client reads a watch's first line before handing it over: a watch that ends with no event ends here.
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested && probeFailed.IsCancellationRequested)
        {
            throw new TimeoutException($"the API server did not answer a probe in {Seconds(_options.RequestTimeout)}");
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested && idle.IsCancellationRequested)
        {
            throw new TimeoutException($"the watch delivered nothing for {Seconds(idleLimit)}");
        }
        if (gone)
        {
            return (WatchOutcome.Gone, resourceVersion);
        }
        if (streamError is not null)
        {
            throw streamError;
        }
        Touch(kind);
        return (delivered ? WatchOutcome.Ended : WatchOutcome.EndedEmpty, resourceVersion);
    }

    private void Apply(KindWatch kind, WatchEventType type, IKubernetesObject<V1ObjectMeta>? item, string? resourceVersion)
    {
        lock (_lock)
        {
            var changed = false;
            var applied = 0;
            if (item is not null && type is WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted)
            {
                changed = type == WatchEventType.Deleted ? kind.Remove(item) : kind.Upsert(item);
                applied = 1;
            }
            kind.Failing = false;
            SetStatus(_status with
            {
                LastContact = _time.GetUtcNow(),
                EventsApplied = _status.EventsApplied + applied,
                ResourceVersion = Math.Max(_status.ResourceVersion, ParseVersion(resourceVersion)),
            }, dataChanged: changed);
        }
    }

    private void Touch(KindWatch kind)
    {
        lock (_lock)
        {
            kind.Failing = false;
            SetStatus(_status with { LastContact = _time.GetUtcNow() });
        }
    }

    private void Update(Func<ClusterWatchStatus, ClusterWatchStatus> change)
    {
        lock (_lock)
        {
            SetStatus(change(_status), dataChanged: true);
        }
    }

    /// <summary>
    /// Sets the status (under the lock) with Connected recomputed, and wakes waiters when the data changed, the
    /// connection or the last error did, or a kind was relisted (one version step); contact times and event counts alone
    /// wake no one.
    /// </summary>
    private void SetStatus(ClusterWatchStatus status, bool dataChanged = false)
    {
        status = status with { Connected = status.Configured && _kinds.All(k => k.Listed && !k.Failing) };
        // A relist is notable even when it finds nothing new: it is how a waiter learns that a 410 or a recovery is over.
        var notable = dataChanged || status.Connected != _status.Connected || status.LastError != _status.LastError || status.Relists != _status.Relists;
        _status = status;
        if (notable)
        {
            _version++;
            var changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.TrySetResult();
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, _time, stop).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Doubling from BackoffMin to BackoffMax, then a random half of it taken off, so many watchers do not retry in step.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var full = Math.Min(_options.BackoffMax.TotalMilliseconds, _options.BackoffMin.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromMilliseconds(full / 2 + Random.Shared.NextDouble() * full / 2);
    }

    private static string Describe(Exception e) => e switch
    {
        HttpOperationException h => $"HTTP {(int)h.Response.StatusCode} {h.Response.ReasonPhrase}{(string.IsNullOrWhiteSpace(h.Response.Content) ? "" : $": {StatusMessage(h.Response.Content)}")}",
        KubernetesException k => $"{k.Status?.Code} {k.Status?.Reason}: {k.Status?.Message}",
        HttpRequestException h => $"unreachable ({h.Message})",
        TimeoutException t => t.Message,
        IOException io => $"connection lost ({io.Message})",
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    private static string StatusMessage(string content)
    {
        try
        {
            return KubernetesJson.Deserialize<V1Status>(content)?.Message ?? content;
        }
        catch (System.Text.Json.JsonException)
        {
            return content.Length > 200 ? content[..200] : content;
        }
    }

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s";

    private static long ParseVersion(string? resourceVersion) =>
        long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private IReadOnlyList<T> Items<T>(string name) => _kinds.First(k => k.Name == name).Snapshot().Cast<T>().ToArray();

    // ---- the kinds -----------------------------------------------------------------------------------------------

    private static (IReadOnlyList<IKubernetesObject<V1ObjectMeta>>, string?) Page<T>(IItems<T> list)
        where T : IKubernetesObject<V1ObjectMeta> =>
        ([.. list.Items.Cast<IKubernetesObject<V1ObjectMeta>>()], (list as IMetadata<V1ListMeta>)?.Metadata?.ResourceVersion);

    private static KindWatch Kind<T>(
        string name,
        Func<IKubernetes, CancellationToken, Task<(IReadOnlyList<IKubernetesObject<V1ObjectMeta>>, string?)>> list,
        Func<IKubernetes, string?, int, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> watch,
        int bound = 0)
        where T : IKubernetesObject<V1ObjectMeta> =>
        new(name, list, (c, rv, t, e, ct) => Box(watch(c, rv, t, e, ct)), bound);

    private static async IAsyncEnumerable<(WatchEventType, IKubernetesObject<V1ObjectMeta>)> Box<T>(IAsyncEnumerable<(WatchEventType, T)> events)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        await foreach (var (type, item) in events.ConfigureAwait(false))
        {
            yield return (type, item);
        }
    }

    /// <summary>One kind's list and watch calls and its objects by uid (guarded by the watcher's lock).</summary>
    private sealed class KindWatch(
        string name,
        Func<IKubernetes, CancellationToken, Task<(IReadOnlyList<IKubernetesObject<V1ObjectMeta>>, string?)>> list,
        Func<IKubernetes, string?, int, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, IKubernetesObject<V1ObjectMeta>)>> watch,
        int bound)
    {
        private Dictionary<string, IKubernetesObject<V1ObjectMeta>> _items = new(StringComparer.Ordinal);

        public string Name { get; } = name;

        public bool Listed { get; set; }

        public bool Failing { get; set; }

        public Task<(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Items, string? ResourceVersion)> ListAsync(IKubernetes client, CancellationToken ct) => list(client, ct);

        public IAsyncEnumerable<(WatchEventType, IKubernetesObject<V1ObjectMeta>)> Watch(IKubernetes client, string? rv, int timeoutSeconds, Action<Exception> onError, CancellationToken ct) =>
            watch(client, rv, timeoutSeconds, onError, ct);

        /// <summary>Replaces everything with a fresh list; true when anything differs (by uid and resourceVersion).</summary>
        public bool Replace(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> items)
        {
            var fresh = new Dictionary<string, IKubernetesObject<V1ObjectMeta>>(StringComparer.Ordinal);
            foreach (var item in bound > 0 ? items.OrderByDescending(When).Take(bound) : items)
            {
                fresh[Key(item)] = item;
            }
            var same = fresh.Count == _items.Count && fresh.All(f => _items.TryGetValue(f.Key, out var old) && old.Metadata?.ResourceVersion == f.Value.Metadata?.ResourceVersion);
            _items = fresh;
            return !same;
        }

        public bool Upsert(IKubernetesObject<V1ObjectMeta> item)
        {
            var key = Key(item);
            if (_items.TryGetValue(key, out var old) && old.Metadata?.ResourceVersion == item.Metadata?.ResourceVersion && item.Metadata?.ResourceVersion is not null)
            {
                return false;
            }
            _items[key] = item;
            if (bound > 0 && _items.Count > bound)
            {
                // Events: the oldest goes (one at a time keeps this O(n) with n the small bound).
                _items.Remove(Key(_items.Values.MinBy(When)!));
            }
            return true;
        }

        public bool Remove(IKubernetesObject<V1ObjectMeta> item) => _items.Remove(Key(item));

        public IEnumerable<IKubernetesObject<V1ObjectMeta>> Snapshot() =>
            _items.Values.OrderBy(i => i.Metadata?.NamespaceProperty, StringComparer.Ordinal).ThenBy(i => i.Metadata?.Name, StringComparer.Ordinal);

        private static string Key(IKubernetesObject<V1ObjectMeta> item) =>
            item.Metadata?.Uid is { Length: > 0 } uid ? uid : $"{item.Metadata?.NamespaceProperty}/{item.Metadata?.Name}";

        private static DateTime When(IKubernetesObject<V1ObjectMeta> item) => item switch
        {
            Corev1Event e => e.LastTimestamp ?? e.EventTime ?? e.Metadata?.CreationTimestamp ?? DateTime.MinValue,
            _ => item.Metadata?.CreationTimestamp ?? DateTime.MinValue,
        };
    }
}
