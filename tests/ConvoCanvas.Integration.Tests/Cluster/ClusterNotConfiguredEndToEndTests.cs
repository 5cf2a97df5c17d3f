using System.Net.Http.Json;
using System.Text.Json;
using ConvoCanvas.Integration.Tests.Persistence;
using ConvoCanvas.Testing;

namespace ConvoCanvas.Integration.Tests.Cluster;

/// <summary>A silo started with no cluster configured: everything cluster-shaped answers, saying what to set.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterNotConfiguredEndToEndTests(PostgresServer server) : IAsyncLifetime
{
    private SiloProcess _silo = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _silo = new SiloProcess(await server.CreateDatabaseAsync("cluster_none"));
        _silo.Settings["ConvoCanvas__Search__Enabled"] = "false";
        await _silo.StartAsync();
        _http = new HttpClient { BaseAddress = _silo.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task Diagram_alerts_status_readiness_and_the_cli_say_no_cluster_is_configured()
    {
        var diagram = await _http.GetFromJsonAsync<JsonElement>("api/cluster/diagram");
        Assert.Equal(JsonValueKind.Null, diagram.GetProperty("text").ValueKind);
        Assert.StartsWith("no cluster configured", diagram.GetProperty("status").GetString());

        var alerts = await _http.GetFromJsonAsync<JsonElement>("api/cluster/alerts");
        Assert.StartsWith("no cluster configured", alerts.GetProperty("status").GetString());
        Assert.Equal(0, alerts.GetProperty("open").GetArrayLength());

        var status = await _http.GetFromJsonAsync<JsonElement>("api/cluster");
        Assert.False(status.GetProperty("configured").GetBoolean());
        Assert.False(status.GetProperty("connected").GetBoolean());

        var commit = await (await _http.PostAsync("api/cluster/diagram/commit", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(commit.GetProperty("committed").GetBoolean());
        Assert.StartsWith("no repository configured", commit.GetProperty("message").GetString());

        var ready = await _http.GetFromJsonAsync<JsonElement>("health/ready");
        var cluster = ready.GetProperty("checks").GetProperty("cluster");
        Assert.Equal("Healthy", cluster.GetProperty("status").GetString());
        Assert.Equal("no cluster configured", cluster.GetProperty("description").GetString());

        var (code, output, error) = await CliProcess.RunAsync(_silo.GatewayPort, "cluster", "diagram");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: no cluster configured", error.Trim());
    }
}
