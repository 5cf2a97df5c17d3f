using System.Text.Json.Nodes;
using ConvoCanvas.Cluster.Diagrams;
using ConvoCanvas.Cluster.Model;
using ConvoCanvas.Cluster.Offline;
using ConvoCanvas.Cluster.Watching;
using ConvoCanvas.Testing.Kubernetes;

namespace ConvoCanvas.Cluster.Tests.Watching;

/// <summary>
/// The project's own K3s home-lab dump served by the emulator and read by the real watcher: every kind the watcher
/// follows (services, deployments, stateful sets, daemon sets, replica sets, events, not only nodes and pods) goes
/// through the client's list and watch.
/// </summary>
public sealed class K3sHomeWatchTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private static ClusterSnapshot Snapshot(ClusterWatcher w) => SnapshotBuilder.Build("home", w.Current(), At);

    [Fact]
    public async Task The_k3s_home_lab_comes_through_the_watch_with_workloads_services_and_events()
    {
        await using var h = await WatchHarness.StartAsync(WatchHarness.FastOptions with { Name = "home" }, seedFolder: ProjectK8sData.K3sHome);
        await h.WaitUntilAsync(w => w.Status.ServerVersion is not null, "the server version");

        var snapshot = Snapshot(h.Watcher);

        Assert.Equal("v1.31.4+k3s1", snapshot.ServerVersion);
        Assert.Equal(2, snapshot.Nodes.Count);
        Assert.Equal(7, snapshot.Namespaces.Count);
        Assert.Equal(23, snapshot.Pods.Count);
        Assert.Equal(18, snapshot.Services.Count);
        // Every pod's owner came as an object, except the Helm install job's (jobs are not watched).
        Assert.Equal(["job/helm-install-traefik"], snapshot.Workloads.Where(w => w.Inferred).Select(w => w.Key));
        Assert.Equal(
            [("kube-system", "deployment/coredns", 1, 1), ("kube-system", "daemonset/svclb-traefik-3ac5b9e1", 2, 2), ("monitoring", "statefulset/prometheus", 1, 1),
             ("monitoring", "daemonset/node-exporter", 2, 2), ("home-automation", "deployment/zigbee2mqtt", 0, 1), ("databases", "statefulset/postgres", 1, 1)],
            new[] { "deployment/coredns", "daemonset/svclb-traefik-3ac5b9e1", "statefulset/prometheus", "daemonset/node-exporter", "deployment/zigbee2mqtt", "statefulset/postgres" }
                .Select(key => snapshot.Workloads.Single(w => w.Key == key)).Select(w => (w.Namespace, w.Key, w.Ready, w.Desired)));
        var dns = snapshot.Services.Single(s => s.Name == "kube-dns");
        Assert.Equal(["53/UDP", "53/TCP", "9153/TCP"], dns.Ports);
        Assert.Equal("kube-dns", dns.Selector["k8s-app"]);
        Assert.Equal(["80->web:31080/TCP", "443->websecure:31443/TCP"], snapshot.Services.Single(s => s.Name == "traefik").Ports);
        Assert.Equal(4, snapshot.Events.Count);
        var backOff = snapshot.Events.Single(e => e.Reason == "BackOff");
        Assert.Equal(("home-automation", "Pod/zigbee2mqtt-5d6c8b9f7c-n4wq8", "Warning", 61), (backOff.Namespace, backOff.Object, backOff.Type, backOff.Count));
        Assert.Contains(snapshot.Events, e => e is { Object: "Deployment/sonarr", Reason: "ScalingReplicaSet" });

        // What the watch gave draws exactly as the dump it was seeded from.
        var fromDump = SnapshotBuilder.Build("home", DumpFolder.Read(ProjectK8sData.K3sHome), At);
        var ascii = AsciiDiagram.Render(snapshot, new AsciiDiagramOptions { Width = 120 });
        Assert.Equal(AsciiDiagram.Render(fromDump, new AsciiDiagramOptions { Width = 120 }), ascii);
        Assert.Equal(MermaidDiagram.Render(fromDump), MermaidDiagram.Render(snapshot));
        Assert.Contains("[ok] deployment/coredns  1/1 ready\n", Unboxed(ascii));
        Assert.Contains("       svc kube-dns 10.43.0.10 53/UDP 53/TCP 9153/TCP\n", Unboxed(ascii));
        Assert.Contains("[!!] deployment/zigbee2mqtt  0/1 ready\n", Unboxed(ascii));
        Assert.Contains("       svc traefik LoadBalancer 10.43.207.145 80->web:31080/TCP 443->websecure:31443/TCP\n", Unboxed(ascii));
        Assert.Contains("[ok] daemonset/node-exporter  2/2 ready\n       svc node-exporter headless 9100/TCP\n", Unboxed(ascii));
        Assert.Contains("     svc kubernetes 10.43.0.1 443->6443/TCP  (selects no pod)\n", Unboxed(ascii));
        Assert.Contains("CrashLoopBackOff, 14 restarts (last Error, exit 1)", ascii);
        var mermaid = MermaidDiagram.Render(snapshot);
        Assert.Contains("[\"deployment/coredns<br/>1/1 ready\"]", mermaid);
        Assert.Contains("([\"svc kube-dns<br/>53/UDP 53/TCP 9153/TCP\"])", mermaid);
        Assert.Contains("[\"statefulset/prometheus<br/>1/1 ready\"]", mermaid);
        Assert.Equal(17, mermaid.Split('\n').Count(l => l.Contains(" --> ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Changes_to_services_stateful_sets_and_events_arrive_through_the_watch()
    {
        await using var h = await WatchHarness.StartAsync(WatchHarness.FastOptions with { Name = "home" }, seedFolder: ProjectK8sData.K3sHome);
        var lists = h.Emulator.ListRequests;

        h.Emulator.Store.Modify(EmulatedKind.StatefulSet, "monitoring", "prometheus", o => o["status"]!["readyReplicas"] = 0);
        h.Emulator.Store.Modify(EmulatedKind.Service, "monitoring", "grafana", o => o["spec"]!["ports"]![0]!["targetPort"] = 3001);
        h.Emulator.Store.Modify(EmulatedKind.DaemonSet, "monitoring", "node-exporter", o => o["status"]!["numberReady"] = 1);
        h.Emulator.Put(new JsonObject
        {
            ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = "prometheus-0.18ab3d0000000001", ["namespace"] = "monitoring" },
            ["involvedObject"] = new JsonObject { ["kind"] = "Pod", ["name"] = "prometheus-0", ["namespace"] = "monitoring" },
            ["type"] = "Warning",
            ["reason"] = "FailedMount",
            ["message"] = "MountVolume.SetUp failed for volume \"data\"",
            ["lastTimestamp"] = "2026-11-26T07:59:00Z",
        });

        await h.WaitUntilAsync(w =>
            Snapshot(w) is var s
            && s.Workloads.Single(x => x.Key == "statefulset/prometheus").Ready == 0
            && s.Workloads.Single(x => x.Key == "daemonset/node-exporter").Ready == 1
            && s.Services.Single(x => x.Name == "grafana").Ports.SequenceEqual(["80->3001/TCP"])
            && s.Events.Count == 5, "the changed stateful set, daemon set, service and the new event");
        var snapshot = Snapshot(h.Watcher);
        Assert.Equal("FailedMount", snapshot.Events[^1].Reason);
        var ascii = Unboxed(AsciiDiagram.Render(snapshot, new AsciiDiagramOptions { Width = 120 }));
        Assert.Contains("statefulset/prometheus  0/1 ready\n", ascii);
        Assert.Contains("       svc grafana 10.43.140.77 80->3001/TCP\n", ascii);
        // They came through the open watches, not a fresh list.
        Assert.Equal(lists, h.Emulator.ListRequests);
    }

    /// <summary>The diagram's rows without their box borders and padding, so a test can look for whole lines.</summary>
    private static string Unboxed(string ascii) => string.Concat(ascii.Split('\n')
        .Select(l => l.StartsWith("| ", StringComparison.Ordinal) ? l[2..^1].TrimEnd() : l).Select(l => l + "\n"));
}
