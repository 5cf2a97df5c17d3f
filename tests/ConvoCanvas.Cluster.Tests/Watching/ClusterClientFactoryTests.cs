using ConvoCanvas.Cluster.Watching;

namespace ConvoCanvas.Cluster.Tests.Watching;

public sealed class ClusterClientFactoryTests
{
    [Fact]
    public void Nothing_configured_gives_no_client()
    {
        Assert.False(new ClusterConnectionOptions().IsConfigured);
        Assert.Null(ClusterClientFactory.Create(new ClusterConnectionOptions()));
    }

    [Fact]
    public void A_kubeconfig_context_picks_its_cluster()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """
                apiVersion: v1
                kind: Config
                current-context: one
                clusters:
                - name: one
                  cluster: { server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true }
                - name: two
                  cluster: { server: "https://10.0.0.2:6443", insecure-skip-tls-verify: true }
                contexts:
                - name: one
                  context: { cluster: one, user: u }
                - name: two
                  context: { cluster: two, user: u }
                users:
                - name: u
                  user: { token: "t" }
                """);

            var configuration = ClusterClientFactory.BuildConfiguration(new ClusterConnectionOptions { Kubeconfig = file, Context = "two" });

            Assert.Equal("https://10.0.0.2:6443", configuration!.Host);
            Assert.Equal("t", configuration.AccessToken);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_missing_kubeconfig_is_named_with_what_to_do()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ClusterClientFactory.BuildConfiguration(new ClusterConnectionOptions { Kubeconfig = "/nonexistent/kubeconfig" }));

        Assert.StartsWith("ConvoCanvas:Cluster:Kubeconfig '/nonexistent/kubeconfig': no such file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void In_cluster_outside_a_pod_says_so()
    {
        if (Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is not null)
        {
            return;
        }

        var e = Assert.Throws<InvalidOperationException>(() => ClusterClientFactory.BuildConfiguration(new ClusterConnectionOptions { InCluster = true }));

        Assert.Contains("not in a Kubernetes pod", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_direct_url_needs_no_kubeconfig()
    {
        Assert.Equal("http://127.0.0.1:8001", ClusterClientFactory.BuildConfiguration(new ClusterConnectionOptions { Url = "http://127.0.0.1:8001" })!.Host);
    }
}
