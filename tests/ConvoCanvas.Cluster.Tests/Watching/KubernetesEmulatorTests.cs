using ConvoCanvas.Testing.Kubernetes;
using k8s;
using k8s.Models;

namespace ConvoCanvas.Cluster.Tests.Watching;

/// <summary>The emulator answers the real client as the API server would.</summary>
public sealed class KubernetesEmulatorTests
{
    [Fact]
    public async Task Lists_carry_the_global_resource_version_and_the_seeded_objects()
    {
        await using var emulator = new KubernetesEmulator().SeedFolder(SharedK8sData.KindCluster);
        await emulator.StartAsync();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = emulator.Url });

        var pods = await client.CoreV1.ListPodForAllNamespacesAsync();
        var nodes = await client.CoreV1.ListNodeAsync();
        var kubeSystem = await client.CoreV1.ListNamespacedPodAsync("kube-system");
        var version = await client.Version.GetCodeAsync();

        Assert.Equal(20, pods.Items.Count);
        Assert.Equal(3, nodes.Items.Count);
        Assert.Equal(14, kubeSystem.Items.Count);
        Assert.Equal("v1.20.0", version.GitVersion);
        Assert.Equal(emulator.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), pods.Metadata.ResourceVersion);
        Assert.All(pods.Items, p => Assert.True(long.Parse(p.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) <= emulator.ResourceVersion));
    }

    [Fact]
    public async Task A_watch_from_a_version_replays_what_came_after_it_and_ends_at_its_timeout_with_a_bookmark()
    {
        await using var emulator = new KubernetesEmulator().SeedFolder(SharedK8sData.KindCluster);
        await emulator.StartAsync();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = emulator.Url });
        var from = (await client.CoreV1.ListNodeAsync()).Metadata.ResourceVersion;
        emulator.SetNodeInternalIp("kind-worker", "10.0.0.9");
        emulator.SetNodeReady("kind-worker", ready: true);

        var events = new List<(WatchEventType Type, string? Version)>();
        await foreach (var (type, node) in client.CoreV1.WatchListNodeAsync(allowWatchBookmarks: true, resourceVersion: from, timeoutSeconds: 1))
        {
            events.Add((type, node.Metadata?.ResourceVersion));
        }

        Assert.Equal([WatchEventType.Modified, WatchEventType.Modified, WatchEventType.Bookmark], events.Select(e => e.Type));
        Assert.Equal(emulator.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), events[^1].Version);
    }

    [Fact]
    public async Task A_watch_from_an_expired_version_gets_410_gone_as_a_status()
    {
        await using var emulator = new KubernetesEmulator().SeedFolder(SharedK8sData.KindCluster);
        await emulator.StartAsync();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = emulator.Url });
        var from = (await client.CoreV1.ListPodForAllNamespacesAsync()).Metadata.ResourceVersion;
        emulator.ExpireAllWatches();
        emulator.BreakCoreDns();

        var errors = new List<Exception>();
        var events = 0;
        await foreach (var _ in client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: from, timeoutSeconds: 5, onError: errors.Add))
        {
            events++;
        }

        Assert.Equal(0, events);
        var status = Assert.IsType<KubernetesException>(Assert.Single(errors)).Status;
        Assert.Equal(410, status.Code);
        Assert.Equal("Expired", status.Reason);
    }

    [Fact]
    public async Task Open_watches_get_changes_as_they_happen()
    {
        await using var emulator = new KubernetesEmulator().SeedFolder(SharedK8sData.KindCluster);
        await emulator.StartAsync();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = emulator.Url });
        var from = (await client.CoreV1.ListPodForAllNamespacesAsync()).Metadata.ResourceVersion;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var received = new List<(WatchEventType, string)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, pod) in client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: from, timeoutSeconds: 30, cancellationToken: timeout.Token))
            {
                received.Add((type, pod.Metadata.Name));
                if (type == WatchEventType.Deleted)
                {
                    return;
                }
            }
        });

        emulator.Put("""{"kind":"Pod","metadata":{"name":"late","namespace":"default"},"status":{"phase":"Pending"}}""");
        emulator.Delete(EmulatedKind.Pod, "default", "late");
        await watching.WaitAsync(timeout.Token);

        Assert.Equal([(WatchEventType.Added, "late"), (WatchEventType.Deleted, "late")], received);
    }
}
