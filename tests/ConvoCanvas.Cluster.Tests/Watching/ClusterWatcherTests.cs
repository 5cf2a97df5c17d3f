using ConvoCanvas.Cluster.Model;
using ConvoCanvas.Cluster.Offline;
using ConvoCanvas.Cluster.Watching;
using ConvoCanvas.Testing.Kubernetes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace ConvoCanvas.Cluster.Tests.Watching;

public sealed class ClusterWatcherTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Initial_list_matches_the_seeded_kind_cluster()
    {
        await using var h = await WatchHarness.StartAsync();
        await h.WaitUntilAsync(w => w.Status.ServerVersion is not null, "the server version");

        var dump = DumpFolder.Read(SharedK8sData.KindCluster);
        var live = h.Watcher.Current();

        Assert.Equal(Uids(dump.Pods), Uids(live.Pods));
        Assert.Equal(Uids(dump.Nodes), Uids(live.Nodes));
        Assert.Equal(dump.ServerVersion, live.ServerVersion);
        var fromDump = SnapshotBuilder.Build("kind", dump, At);
        var fromWatch = SnapshotBuilder.Build("kind", live, At);
        Assert.Equal(fromDump.Pods, fromWatch.Pods, PodComparer.Instance);
        Assert.Equal(fromDump.Namespaces.Select(n => n.Name), fromWatch.Namespaces.Select(n => n.Name));
        Assert.Equal(fromDump.Nodes.Select(n => (n.Name, n.InternalIp, n.Ready)), fromWatch.Nodes.Select(n => (n.Name, n.InternalIp, n.Ready)));
        Assert.Equal(20, fromWatch.Pods.Count);
        Assert.Equal(0, h.Watcher.Status.Relists);
        Assert.Null(h.Watcher.Status.LastError);
    }

    [Fact]
    public async Task A_container_restart_shows_up_through_the_watch()
    {
        await using var h = await WatchHarness.StartAsync();
        var pod = h.Watcher.Current().Pods.First(p => p.Metadata.NamespaceProperty == "kube-system" && p.Metadata.Name.StartsWith("etcd-", StringComparison.Ordinal));
        var before = pod.Status.ContainerStatuses.Sum(c => c.RestartCount);
        var listsBefore = h.Emulator.ListRequests;

        h.Emulator.AddContainerRestart("kube-system", pod.Metadata.Name, reason: "OOMKilled", exitCode: 137);

        await h.WaitUntilAsync(w => Restarts(w, pod.Metadata.Name) == before + 1, "the restart");
        var info = SnapshotBuilder.Build("kind", h.Watcher.Current(), At).Pods.Single(p => p.Name == pod.Metadata.Name);
        Assert.Equal("CrashLoopBackOff", info.WaitingReason);
        Assert.Equal("OOMKilled", info.Containers[0].LastTerminationReason);
        Assert.Equal(137, info.Containers[0].LastExitCode);
        await h.WaitUntilAsync(w => w.Current().Events.Any(e => e.Reason == "BackOff" && e.InvolvedObject.Name == pod.Metadata.Name), "the BackOff event");
        // It came through the watch, not a fresh list.
        Assert.Equal(listsBefore, h.Emulator.ListRequests);
        Assert.True(h.Watcher.Status.EventsApplied >= 2);
    }

    [Fact]
    public async Task A_node_address_change_and_not_ready_show_up()
    {
        await using var h = await WatchHarness.StartAsync();

        h.Emulator.SetNodeInternalIp("kind-worker2", "172.18.0.99");
        h.Emulator.SetNodeReady("kind-control-plane", ready: false);

        await h.WaitUntilAsync(w => Node(w, "kind-worker2").InternalIp == "172.18.0.99" && !Node(w, "kind-control-plane").Ready, "the node changes");
        Assert.Equal(3, h.Watcher.Current().Nodes.Count);
    }

    [Fact]
    public async Task Broken_coredns_shows_its_pods_not_ready()
    {
        await using var h = await WatchHarness.StartAsync();

        var broken = h.Emulator.BreakCoreDns();

        Assert.Equal(4, broken);
        await h.WaitUntilAsync(w => Snapshot(w).Pods.Where(p => p.Workload == "deployment/coredns").All(p => !p.Ready), "coredns not ready");
    }

    [Fact]
    public async Task Expired_watches_relist_and_nothing_is_lost_or_duplicated()
    {
        await using var h = await WatchHarness.StartAsync();
        var relists = h.Watcher.Status.Relists;

        h.Emulator.ExpireAllWatches();
        // Changes right after the expiry reach the watcher only through the relist or the watch after it.
        h.Emulator.Put(NewPod("default", "added-after-expiry"));
        Assert.True(h.Emulator.Delete(EmulatedKind.Pod, "sonobuoy", h.Emulator.Store.Objects(EmulatedKind.Pod, "sonobuoy")[0]["metadata"]!["name"]!.GetValue<string>()));

        try
        {
            await h.WaitUntilAsync(w => w.Status.Relists >= relists + EmulatedKind.All.Count && Matches(w, h.Emulator), "a relist of every kind and the emulator's pods");
        }
        catch (TimeoutException e)
        {
            var mine = Uids(h.Watcher.Current().Pods);
            var theirs = h.Emulator.Store.Objects(EmulatedKind.Pod).Select(o => $"{o["metadata"]!["uid"]!.GetValue<string>()} {o["metadata"]!["name"]}").ToList();
            throw new TimeoutException($"{e.Message}\nbaseline relists {relists}; watcher pods {mine.Count}: {string.Join(", ", h.Watcher.Current().Pods.Select(p => $"{p.Metadata.Uid} {p.Metadata.Name}"))}\nemulator pods {theirs.Count}: {string.Join(", ", theirs)}");
        }
        var pods = h.Watcher.Current().Pods;
        Assert.Equal(pods.Count, pods.Select(p => p.Metadata.Uid).Distinct().Count());
        Assert.Contains(pods, p => p.Metadata.Name == "added-after-expiry");
        Assert.Equal(20, pods.Count);
        Assert.True(h.Watcher.Status.Connected);
    }

    [Fact]
    public async Task A_deleted_pod_leaves_the_store()
    {
        await using var h = await WatchHarness.StartAsync();
        var pod = h.Watcher.Current().Pods.First(p => p.Metadata.NamespaceProperty == "local-path-storage");

        Assert.True(h.Emulator.Delete(EmulatedKind.Pod, "local-path-storage", pod.Metadata.Name));

        await h.WaitUntilAsync(w => w.Current().Pods.All(p => p.Metadata.Uid != pod.Metadata.Uid), "the delete");
        Assert.Equal(19, h.Watcher.Current().Pods.Count);
    }

    [Theory]
    [InlineData(KubernetesEmulatorMode.Refusing, "unreachable")]
    [InlineData(KubernetesEmulatorMode.Unavailable, "HTTP 503")]
    [InlineData(KubernetesEmulatorMode.Failing, "HTTP 500")]
    public async Task The_API_going_away_shows_as_disconnected_then_reconnects(KubernetesEmulatorMode outage, string error)
    {
        await using var h = await WatchHarness.StartAsync();

        await h.Emulator.StopAnsweringAsync(outage);
        await h.WaitUntilAsync(w => !w.Status.Connected && w.Status.LastError?.Contains(error, StringComparison.Ordinal) == true, $"disconnected with '{error}'");
        // A change made during the outage is picked up after it.
        h.Emulator.SetNodeInternalIp("kind-worker", "172.18.0.77");
        await h.Emulator.ResumeAsync();

        await h.WaitUntilAsync(w => w.Status.Connected && Node(w, "kind-worker").InternalIp == "172.18.0.77", "reconnected with the change");
        // An error stays on record after reconnecting, with its time (not necessarily the outage's first kind: a watch
        // cut while the server stopped answering may be the last to report).
        Assert.NotNull(h.Watcher.Status.LastError);
        Assert.NotNull(h.Watcher.Status.LastErrorAt);
        Assert.Equal(20, h.Watcher.Current().Pods.Count);
    }

    [Fact]
    public async Task A_hanging_API_does_not_wedge_the_watcher()
    {
        await using var h = await WatchHarness.StartAsync();

        h.Emulator.Hang();
        // Open watches go silent; the watcher notices by its own clock (watch timeout plus a request's grace).
        await h.WaitUntilAsync(w => !w.Status.Connected && w.Status.LastError?.Contains("nothing", StringComparison.Ordinal) == true, "a silent watch noticed");
        await h.WaitUntilAsync(w => w.Status.LastError?.Contains("no answer", StringComparison.Ordinal) == true, "a hung list noticed");
        h.Emulator.SetNodeInternalIp("kind-worker", "172.18.0.88");
        await h.Emulator.ResumeAsync();

        await h.WaitUntilAsync(w => w.Status.Connected && Node(w, "kind-worker").InternalIp == "172.18.0.88", "recovered with the change");
    }

    [Fact]
    public async Task A_hung_api_server_is_caught_by_the_probe_long_before_a_quiet_watch_runs_out()
    {
        // Watches that may stay quiet for a minute, as real ones do; the probe asks /version after 1 s of silence.
        var options = WatchHarness.FastOptions with { WatchTimeout = TimeSpan.FromSeconds(60), ProbeInterval = TimeSpan.FromSeconds(1), RequestTimeout = TimeSpan.FromSeconds(2) };
        await using var h = await WatchHarness.StartAsync(options);

        h.Emulator.Hang();
        await h.WaitUntilAsync(w => !w.Status.Connected && w.Status.LastError?.Contains("did not answer a probe", StringComparison.Ordinal) == true, "the probe noticing the hang");
        h.Emulator.SetNodeInternalIp("kind-worker", "172.18.0.77");
        await h.Emulator.ResumeAsync();

        // The watches were restarted, so they relist and see what changed meanwhile.
        await h.WaitUntilAsync(w => w.Status.Connected && Node(w, "kind-worker").InternalIp == "172.18.0.77", "recovered with the change");
    }

    [Fact]
    public async Task A_quiet_cluster_that_answers_the_probe_stays_connected()
    {
        var options = WatchHarness.FastOptions with { WatchTimeout = TimeSpan.FromSeconds(60), ProbeInterval = TimeSpan.FromMilliseconds(300) };
        await using var h = await WatchHarness.StartAsync(options);
        var contact = h.Watcher.Status.LastContact;
        var versions = h.Emulator.VersionRequests;

        // Nothing changes in the cluster, yet contact moves on: the probes are answered, and nothing is restarted.
        // A probe is made only after a quiet interval since the last contact, so a third one means the first
        // two answers were taken in.
        await h.Emulator.WaitForVersionRequestsAsync(versions + 3).WaitAsync(WatchHarness.Patience);
        Assert.True(h.Watcher.Status.LastContact > contact, $"{h.Watcher.Status}");
        Assert.True(h.Watcher.Status.Connected);
        Assert.Null(h.Watcher.Status.LastError);
    }

    [Fact]
    public async Task Many_changes_in_a_burst_wake_a_waiter_once_with_the_latest_version()
    {
        await using var h = await WatchHarness.StartAsync();
        var version = h.Watcher.Version;
        var pods = h.Emulator.Store.Objects(EmulatedKind.Pod).Take(10).ToList();

        foreach (var p in pods)
        {
            h.Emulator.Store.Modify(EmulatedKind.Pod, p["metadata"]!["namespace"]!.GetValue<string>(), p["metadata"]!["name"]!.GetValue<string>(), o => o["metadata"]!["labels"] = new System.Text.Json.Nodes.JsonObject { ["touched"] = "yes" });
        }
        var woken = await h.Watcher.WaitForChangeAsync(version).WaitAsync(WatchHarness.Patience);

        Assert.True(woken > version);
        await h.WaitUntilAsync(w => w.Current().Pods.Count(p => p.Metadata.Labels?.ContainsKey("touched") == true) == 10, "all ten changes");
    }

    [Fact]
    public async Task With_nothing_configured_it_says_so_and_stays_idle()
    {
        using var watcher = new ClusterWatcher(new ClusterConnectionOptions(), NullLogger<ClusterWatcher>.Instance);
        using var stop = new CancellationTokenSource();
        var run = watcher.RunAsync(stop.Token);

        await watcher.WaitForChangeAsync(0).WaitAsync(WatchHarness.Patience);

        Assert.False(watcher.Status.Configured);
        Assert.False(watcher.Status.Connected);
        Assert.StartsWith("no cluster configured: set ConvoCanvas:Cluster:Kubeconfig", watcher.Status.LastError, StringComparison.Ordinal);
        Assert.False(run.IsCompleted);
        await stop.CancelAsync();
        await run.WaitAsync(WatchHarness.Patience);
        Assert.Empty(watcher.Current().Pods);
    }

    [Fact]
    public async Task A_direct_url_from_the_options_reaches_the_API()
    {
        await using var emulator = new KubernetesEmulator().SeedFolder(SharedK8sData.KindCluster);
        await emulator.StartAsync();
        using var watcher = new ClusterWatcher(WatchHarness.FastOptions with { Url = emulator.Url }, NullLogger<ClusterWatcher>.Instance);
        using var stop = new CancellationTokenSource();
        var run = watcher.RunAsync(stop.Token);
        using var timeout = new CancellationTokenSource(WatchHarness.Patience);

        for (var v = 0L; !watcher.Status.Connected; v = await watcher.WaitForChangeAsync(v, timeout.Token))
        {
        }

        Assert.Equal(20, watcher.Current().Pods.Count);
        await stop.CancelAsync();
        await run.WaitAsync(WatchHarness.Patience);
    }

    private static SortedSet<string> Uids<T>(IEnumerable<T> items) where T : IKubernetesObject<V1ObjectMeta> =>
        new(items.Select(i => i.Metadata.Uid), StringComparer.Ordinal);

    private static ClusterSnapshot Snapshot(ClusterWatcher w) => SnapshotBuilder.Build("kind", w.Current(), At);

    private static NodeInfo Node(ClusterWatcher w, string name) => Snapshot(w).Nodes.Single(n => n.Name == name);

    private static int Restarts(ClusterWatcher w, string pod) =>
        w.Current().Pods.Single(p => p.Metadata.Name == pod).Status.ContainerStatuses.Sum(c => c.RestartCount);

    private static bool Matches(ClusterWatcher w, KubernetesEmulator emulator) =>
        Uids(w.Current().Pods).SetEquals(emulator.Store.Objects(EmulatedKind.Pod).Select(o => o["metadata"]!["uid"]!.GetValue<string>()));

    private static string NewPod(string ns, string name) => $$$"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}","labels":{"app":"{{{name}}}"}},
         "spec":{"containers":[{"name":"main","image":"busybox"}]},
         "status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable"}]}}
        """;

    /// <summary>Pods compared on what the snapshot shows, in order.</summary>
    private sealed class PodComparer : IEqualityComparer<PodInfo>
    {
        public static readonly PodComparer Instance = new();

        public bool Equals(PodInfo? x, PodInfo? y) =>
            x is not null && y is not null && (x.Namespace, x.Name, x.Phase, x.Ready, x.Node, x.PodIp, x.Workload, x.Restarts, x.WaitingReason) ==
            (y.Namespace, y.Name, y.Phase, y.Ready, y.Node, y.PodIp, y.Workload, y.Restarts, y.WaitingReason);

        public int GetHashCode(PodInfo obj) => HashCode.Combine(obj.Namespace, obj.Name);
    }
}
