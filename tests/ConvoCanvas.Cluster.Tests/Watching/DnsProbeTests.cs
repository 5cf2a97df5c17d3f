using ConvoCanvas.Cluster.Watching;

namespace ConvoCanvas.Cluster.Tests.Watching;

public sealed class DnsProbeTests
{
    [Fact]
    public async Task A_name_the_host_knows_resolves_and_an_invalid_one_fails_with_the_reason()
    {
        var ok = await DnsProbe.LookUpAsync("localhost", TimeSpan.FromSeconds(5), TimeProvider.System);
        var failed = await DnsProbe.LookUpAsync("convocanvas-probe.invalid", TimeSpan.FromSeconds(5), TimeProvider.System);

        Assert.True(ok.Ok, ok.Detail);
        Assert.Contains("127.0.0.1", ok.Detail.Replace("::1", "127.0.0.1", StringComparison.Ordinal));
        Assert.False(failed.Ok);
        Assert.Equal("convocanvas-probe.invalid", failed.Name);
        Assert.NotEmpty(failed.Detail);
    }

    [Fact]
    public async Task A_name_the_resolver_refuses_outright_is_a_failed_lookup_not_an_exception()
    {
        var result = await DnsProbe.LookUpAsync(new string('a', 300) + ".home", TimeSpan.FromSeconds(5), TimeProvider.System);

        Assert.False(result.Ok);
        Assert.NotEmpty(result.Detail);
    }

    [Fact]
    public void The_probe_is_on_in_cluster_off_outside_unless_named_and_none_turns_it_off()
    {
        Assert.Equal(DnsProbe.InClusterName, new ClusterConnectionOptions { InCluster = true }.EffectiveDnsProbeName);
        Assert.Null(new ClusterConnectionOptions { Url = "http://127.0.0.1:8001" }.EffectiveDnsProbeName);
        Assert.Equal("nas.home", new ClusterConnectionOptions { DnsProbeName = "nas.home" }.EffectiveDnsProbeName);
        Assert.Null(new ClusterConnectionOptions { InCluster = true, DnsProbeName = "none" }.EffectiveDnsProbeName);
    }
}
