using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace ConvoCanvas.Testing.Kubernetes;

/// <summary>A resource type the emulator serves: its kind, its List kind, its apiVersion and its cluster-wide path.</summary>
public sealed record EmulatedKind(string Kind, string ApiVersion, string Resource, bool Namespaced)
{
    public string ListKind => Kind + "List";

    /// <summary>The cluster-wide list path, e.g. <c>api/v1/pods</c> or <c>apis/apps/v1/deployments</c>.</summary>
    public string Path => ApiVersion == "v1" ? $"api/v1/{Resource}" : $"apis/{ApiVersion}/{Resource}";

    public static readonly EmulatedKind Namespace = new("Namespace", "v1", "namespaces", false);
    public static readonly EmulatedKind Node = new("Node", "v1", "nodes", false);
    public static readonly EmulatedKind Pod = new("Pod", "v1", "pods", true);
    public static readonly EmulatedKind Service = new("Service", "v1", "services", true);
    public static readonly EmulatedKind Event = new("Event", "v1", "events", true);
    public static readonly EmulatedKind Deployment = new("Deployment", "apps/v1", "deployments", true);
    public static readonly EmulatedKind StatefulSet = new("StatefulSet", "apps/v1", "statefulsets", true);
    public static readonly EmulatedKind DaemonSet = new("DaemonSet", "apps/v1", "daemonsets", true);
    public static readonly EmulatedKind ReplicaSet = new("ReplicaSet", "apps/v1", "replicasets", true);

    public static IReadOnlyList<EmulatedKind> All { get; } = [Namespace, Node, Pod, Service, Event, Deployment, StatefulSet, DaemonSet, ReplicaSet];

    public static EmulatedKind? ByKind(string kind) => All.FirstOrDefault(k => k.Kind == kind);
}

/// <summary>
/// The emulator's objects, kept as JSON (not KubernetesClient types, so the client under test does its own
/// deserialising), with one global resourceVersion that every change bumps, a bounded history of changes for watches
/// that resume from a resourceVersion, and the open watches each change is pushed to.
/// </summary>
public sealed class KubernetesObjectStore
{
    private readonly object _lock = new();
    private readonly Dictionary<EmulatedKind, SortedDictionary<string, JsonObject>> _objects = EmulatedKind.All.ToDictionary(k => k, _ => new SortedDictionary<string, JsonObject>(StringComparer.Ordinal));
    private readonly LinkedList<Change> _history = new();
    private readonly List<WatchSubscription> _watches = [];
    private readonly int _historyLimit;
    private long _resourceVersion;
    private long _compactedThrough;
    private long _uidCounter;

    public KubernetesObjectStore(int historyLimit)
    {
        _historyLimit = historyLimit;
    }

    public long ResourceVersion { get { lock (_lock) { return _resourceVersion; } } }

    public int OpenWatches { get { lock (_lock) { return _watches.Count; } } }

    /// <summary>One recorded change: the watch line is rendered once and shared by every watch that gets it.</summary>
    private sealed record Change(long ResourceVersion, EmulatedKind Kind, string? Namespace, string Line);

    /// <summary>Copies of the objects of a kind (in one namespace, or all), in namespace/name order.</summary>
    public IReadOnlyList<JsonObject> Objects(EmulatedKind kind, string? inNamespace = null)
    {
        lock (_lock)
        {
            return [.. _objects[kind].Values.Where(o => inNamespace is null || NamespaceOf(o) == inNamespace).Select(o => (JsonObject)o.DeepClone())];
        }
    }

    public JsonObject? Get(EmulatedKind kind, string? ns, string name)
    {
        lock (_lock)
        {
            return _objects[kind].TryGetValue(Key(ns, name), out var o) ? (JsonObject)o.DeepClone() : null;
        }
    }

    /// <summary>A List object as the API returns it, stamped with the current resourceVersion.</summary>
    public JsonObject List(EmulatedKind kind, string? inNamespace)
    {
        lock (_lock)
        {
            var items = new JsonArray();
            foreach (var o in _objects[kind].Values.Where(o => inNamespace is null || NamespaceOf(o) == inNamespace))
            {
                items.Add(o.DeepClone());
            }
            return new JsonObject
            {
                ["kind"] = kind.ListKind,
                ["apiVersion"] = kind.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
                ["items"] = items,
            };
        }
    }

    /// <summary>
    /// Loads an object as it was dumped, keeping its own resourceVersion (the global one moves up to the highest seen),
    /// with no watch event: seeding is the state before anyone watches.
    /// </summary>
    public void Seed(EmulatedKind kind, JsonObject obj)
    {
        lock (_lock)
        {
            var copy = Normalise(kind, obj);
            var metadata = (JsonObject)copy["metadata"]!;
            if (long.TryParse(metadata["resourceVersion"]?.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var rv))
            {
                _resourceVersion = Math.Max(_resourceVersion, rv);
            }
            else
            {
                metadata["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
            }
            _objects[kind][Key(copy)] = copy;
            // Nothing before this version can be replayed: there is no history of how the seed came to be.
            _compactedThrough = _resourceVersion;
        }
    }

    /// <summary>Adds or replaces an object (ADDED or MODIFIED to watches); returns the stored copy.</summary>
    public JsonObject Put(EmulatedKind kind, JsonObject obj)
    {
        lock (_lock)
        {
            var copy = Normalise(kind, obj);
            var key = Key(copy);
            var type = _objects[kind].TryGetValue(key, out var existing) ? "MODIFIED" : "ADDED";
            if (existing is not null)
            {
                // A replace keeps the object's identity, as an update through the API does.
                copy["metadata"]!["uid"] = existing["metadata"]!["uid"]!.GetValue<string>();
            }
            _objects[kind][key] = copy;
            Record(kind, type, copy);
            return (JsonObject)copy.DeepClone();
        }
    }

    /// <summary>Changes an object in place (MODIFIED to watches); false when there is no such object.</summary>
    public bool Modify(EmulatedKind kind, string? ns, string name, Action<JsonObject> change)
    {
        lock (_lock)
        {
            if (!_objects[kind].TryGetValue(Key(ns, name), out var o))
            {
                return false;
            }
            change(o);
            Record(kind, "MODIFIED", o);
            return true;
        }
    }

    /// <summary>Changes every object of a kind that <paramref name="match"/> picks; returns how many.</summary>
    public int ModifyWhere(EmulatedKind kind, Func<JsonObject, bool> match, Action<JsonObject> change)
    {
        lock (_lock)
        {
            var picked = _objects[kind].Values.Where(match).ToList();
            foreach (var o in picked)
            {
                change(o);
                Record(kind, "MODIFIED", o);
            }
            return picked.Count;
        }
    }

    /// <summary>Modifies the <paramref name="index"/>-th object of a kind (modulo the count), for the bulk mode.</summary>
    public bool ModifyNth(EmulatedKind kind, long index, Action<JsonObject> change)
    {
        lock (_lock)
        {
            var all = _objects[kind];
            if (all.Count == 0)
            {
                return false;
            }
            var o = all.Values.ElementAt((int)(index % all.Count));
            change(o);
            Record(kind, "MODIFIED", o);
            return true;
        }
    }

    public bool Delete(EmulatedKind kind, string? ns, string name)
    {
        lock (_lock)
        {
            var key = Key(ns, name);
            if (!_objects[kind].Remove(key, out var o))
            {
                return false;
            }
            Record(kind, "DELETED", o);
            return true;
        }
    }

    /// <summary>
    /// Opens a watch. From <paramref name="fromResourceVersion"/> the recorded changes after it are replayed first; a
    /// version older than the history answers with one ERROR (410 Expired), as the API server does; none (or "0")
    /// starts with an ADDED for every current object.
    /// </summary>
    public WatchSubscription Subscribe(EmulatedKind kind, string? inNamespace, string? fromResourceVersion)
    {
        lock (_lock)
        {
            var watch = new WatchSubscription(this, kind, inNamespace);
            if (string.IsNullOrEmpty(fromResourceVersion) || fromResourceVersion == "0")
            {
                foreach (var o in _objects[kind].Values.Where(o => inNamespace is null || NamespaceOf(o) == inNamespace))
                {
                    watch.Offer(Line("ADDED", o));
                }
            }
            else if (!long.TryParse(fromResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
            {
                watch.Offer(ErrorLine(400, "BadRequest", $"invalid resourceVersion '{fromResourceVersion}'"));
                watch.Close();
                return watch;
            }
            else if (from < _compactedThrough)
            {
                watch.Offer(GoneLine(from));
                watch.Close();
                return watch;
            }
            else
            {
                foreach (var change in _history.Where(c => c.ResourceVersion > from && c.Kind == kind && (inNamespace is null || c.Namespace == inNamespace)))
                {
                    watch.Offer(change.Line);
                }
            }
            _watches.Add(watch);
            return watch;
        }
    }

    /// <summary>A BOOKMARK line carrying the current resourceVersion.</summary>
    public string BookmarkLine(EmulatedKind kind)
    {
        lock (_lock)
        {
            return new JsonObject
            {
                ["type"] = "BOOKMARK",
                ["object"] = new JsonObject
                {
                    ["kind"] = kind.Kind,
                    ["apiVersion"] = kind.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
                },
            }.ToJsonString();
        }
    }

    /// <summary>Forgets all history and ends every open watch with 410 Gone: watchers must relist.</summary>
    public void ExpireWatches()
    {
        lock (_lock)
        {
            _history.Clear();
            // A step of its own, so every version handed out before the expiry is too old and a fresh list is not.
            _compactedThrough = ++_resourceVersion;
            foreach (var watch in _watches)
            {
                watch.Offer(GoneLine(_resourceVersion));
                watch.Close();
            }
            _watches.Clear();
        }
    }

    /// <summary>Ends every open watch by dropping its connection (an outage, not a clean end).</summary>
    public void AbortWatches()
    {
        lock (_lock)
        {
            foreach (var watch in _watches)
            {
                watch.Abort();
            }
            _watches.Clear();
        }
    }

    internal void Unsubscribe(WatchSubscription watch)
    {
        lock (_lock)
        {
            _watches.Remove(watch);
        }
    }

    private void Record(EmulatedKind kind, string type, JsonObject o)
    {
        var rv = ++_resourceVersion;
        o["metadata"]!["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        var ns = NamespaceOf(o);
        var change = new Change(rv, kind, ns, Line(type, o));
        _history.AddLast(change);
        while (_history.Count > _historyLimit)
        {
            _compactedThrough = _history.First!.Value.ResourceVersion;
            _history.RemoveFirst();
        }
        foreach (var watch in _watches)
        {
            if (watch.Kind == kind && (watch.Namespace is null || watch.Namespace == ns))
            {
                watch.Offer(change.Line);
            }
        }
    }

    private JsonObject Normalise(EmulatedKind kind, JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy["kind"] = kind.Kind;
        copy["apiVersion"] ??= kind.ApiVersion;
        if (copy["metadata"] is not JsonObject metadata)
        {
            throw new ArgumentException($"a {kind.Kind} without metadata");
        }
        if (metadata["name"]?.GetValue<string>() is not { Length: > 0 })
        {
            throw new ArgumentException($"a {kind.Kind} without metadata.name");
        }
        if (kind.Namespaced && metadata["namespace"] is null)
        {
            metadata["namespace"] = "default";
        }
        if (metadata["uid"]?.GetValue<string>() is not { Length: > 0 })
        {
            metadata["uid"] = $"00000000-0000-4000-8000-{++_uidCounter:x12}";
        }
        metadata["creationTimestamp"] ??= DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return copy;
    }

    private static string Key(JsonObject o) => Key(NamespaceOf(o), o["metadata"]!["name"]!.GetValue<string>());

    private static string Key(string? ns, string name) => $"{ns}/{name}";

    internal static string? NamespaceOf(JsonObject o) => o["metadata"]?["namespace"]?.GetValue<string>();

    private static string Line(string type, JsonObject o) => new JsonObject { ["type"] = type, ["object"] = o.DeepClone() }.ToJsonString();

    private static string GoneLine(long from) => ErrorLine(410, "Expired", $"too old resource version: {from} ({from + 1})");

    internal static string ErrorLine(int code, string reason, string message) => new JsonObject
    {
        ["type"] = "ERROR",
        ["object"] = Status(code, reason, message),
    }.ToJsonString();

    internal static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };
}

/// <summary>One open watch: the lines to send, in order; closed (send what is queued, then end) or aborted (drop the connection).</summary>
public sealed class WatchSubscription : IDisposable
{
    private readonly KubernetesObjectStore _store;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _aborted = new();

    internal WatchSubscription(KubernetesObjectStore store, EmulatedKind kind, string? ns)
    {
        _store = store;
        Kind = kind;
        Namespace = ns;
    }

    public EmulatedKind Kind { get; }

    public string? Namespace { get; }

    public ChannelReader<string> Lines => _lines.Reader;

    public CancellationToken Aborted => _aborted.Token;

    internal void Offer(string line) => _lines.Writer.TryWrite(line);

    internal void Close() => _lines.Writer.TryComplete();

    internal void Abort()
    {
        // Cancel before completing, so the writer sees an abort and drops the connection instead of ending cleanly.
        _aborted.Cancel();
        _lines.Writer.TryComplete();
    }

    public void Dispose()
    {
        _store.Unsubscribe(this);
        _lines.Writer.TryComplete();
        _aborted.Dispose();
    }
}
