using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConvoCanvas.Integration.Tests.Persistence;
using ConvoCanvas.Testing;
using ConvoCanvas.Testing.Kubernetes;

namespace ConvoCanvas.Integration.Tests.Cluster;

/// <summary>
/// One real silo process whose cluster is the Kubernetes API emulator, seeded with the real kind-cluster JSON from
/// ../shared/data/k8s (kind-worker NotReady, no CoreDNS pod ready). Intervals are short so the watch, the diagrams and
/// the health rules move in test time; the diagrams are committed to a temporary git folder. Shared by the tests of
/// the class, so each leaves the emulator answering as it found it.
/// </summary>
public sealed class ClusterSiloFixture(PostgresServer server) : IAsyncLifetime
{
    public const string Name = "kind";

    public KubernetesEmulator Kubernetes { get; } = new();

    public SiloProcess Silo { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public DirectoryInfo Repository { get; } = Directory.CreateTempSubdirectory("convocanvas-diagrams-");

    public static string KindDump => Path.Combine(RepositoryPaths.SharedData ?? throw new InvalidOperationException("../shared/data is missing beside the repository"),
        "k8s", "sonobuoy-kind-cluster", "pkg", "discovery", "testdata", "healthsummary");

    public async Task InitializeAsync()
    {
        Kubernetes.SeedFolder(KindDump);
        await Kubernetes.StartAsync();
        Silo = new SiloProcess(await server.CreateDatabaseAsync("cluster_e2e"));
        Silo.Settings["CONVOCANVAS_K8S_URL"] = Kubernetes.Url;
        Silo.Settings["ConvoCanvas__Cluster__Name"] = Name;
        Silo.Settings["ConvoCanvas__Cluster__BackoffMin"] = "00:00:00.050";
        Silo.Settings["ConvoCanvas__Cluster__BackoffMax"] = "00:00:00.200";
        Silo.Settings["ConvoCanvas__Cluster__RequestTimeout"] = "00:00:02";
        Silo.Settings["ConvoCanvas__Cluster__WatchTimeout"] = "00:00:30";
        Silo.Settings["ConvoCanvas__Cluster__Grains__PublishInterval"] = "00:00:00.100";
        Silo.Settings["ConvoCanvas__Cluster__Grains__HeartbeatInterval"] = "00:00:01";
        Silo.Settings["ConvoCanvas__Cluster__Grains__SilenceCheckInterval"] = "00:00:00.200";
        Silo.Settings["ConvoCanvas__Cluster__Health__SilenceLimit"] = "00:00:02";
        Silo.Settings["ConvoCanvas__Cluster__Diagrams__Repository"] = Repository.FullName;
        // Nothing here searches: no embedder to load, no ChromaDB to need.
        Silo.Settings["ConvoCanvas__Search__Enabled"] = "false";
        await Silo.StartAsync();
        Http = new HttpClient { BaseAddress = Silo.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
        await Kubernetes.DisposeAsync();
        try
        {
            // git writes its objects read-only.
            foreach (var file in Repository.EnumerateFiles("*", SearchOption.AllDirectories))
            {
                file.Attributes = FileAttributes.Normal;
            }
            Repository.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not worth failing the run for.
        }
    }
}

/// <summary>
/// The watched cluster as a user meets it: REST and the built CLI against the real silo process, the cluster played
/// by the emulator over real HTTP. Waits are long polls and conditions with deadlines, never the clock alone.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterEndToEndTests(ClusterSiloFixture fixture) : IClassFixture<ClusterSiloFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Rest_draws_the_kind_cluster_in_ascii_and_mermaid_within_the_width_and_refuses_a_bad_format()
    {
        var ascii = await DiagramWhenAsync(d => d.GetProperty("text").ValueKind == JsonValueKind.String);
        var text = ascii.GetProperty("text").GetString()!;
        Assert.Contains("kind-control-plane", text);
        Assert.Contains("kind-worker2", text);
        Assert.Contains("deployment/coredns", text);
        Assert.Equal("kind", ascii.GetProperty("cluster").GetString());

        var mermaid = await Http.GetFromJsonAsync<JsonElement>("api/cluster/diagram?format=mermaid");
        Assert.StartsWith("flowchart TB", mermaid.GetProperty("text").GetString());

        var narrow = (await Http.GetFromJsonAsync<JsonElement>("api/cluster/diagram?width=70")).GetProperty("text").GetString()!;
        Assert.Contains("kind-worker", narrow);
        Assert.All(narrow.Split('\n'), line => Assert.True(line.Length <= 70, $"{line.Length} columns: {line}"));

        await AssertProblemAsync("api/cluster/diagram?format=png", "unknown diagram format 'png'");
        await AssertProblemAsync("api/cluster/diagram?width=10", "width 10 is out of range");
        // A long poll that can only fail is refused at once, not after its wait.
        var clock = Stopwatch.StartNew();
        await AssertProblemAsync($"api/cluster/diagram?format=png&after={ascii.GetProperty("version").GetInt64() + 1000}&wait=20", "unknown diagram format 'png'");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the refusal took {clock.Elapsed}");

        var history = await Http.GetFromJsonAsync<JsonElement>("api/cluster/diagram/history");
        Assert.True(history.GetArrayLength() >= 1, history.ToString());
        Assert.True(history[0].GetProperty("version").GetInt64() >= 1);
    }

    [Fact]
    public async Task A_long_poll_answers_when_a_node_is_readdressed_and_the_change_opens_an_alert_with_both_addresses()
    {
        var before = await DiagramWhenAsync(d => d.GetProperty("text").GetString()?.Contains("kind-worker2", StringComparison.Ordinal) == true);
        Assert.Contains("172.18.0.3", before.GetProperty("text").GetString());
        var version = before.GetProperty("version").GetInt64();

        var clock = Stopwatch.StartNew();
        var poll = Http.GetFromJsonAsync<JsonElement>($"api/cluster/diagram?after={version}&wait=20");
        fixture.Kubernetes.SetNodeInternalIp("kind-worker2", "172.18.0.99");
        var answer = await poll.WaitAsync(TimeSpan.FromSeconds(30));

        // It answered on the change, not at the end of its wait.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the long poll took {clock.Elapsed}");
        Assert.True(answer.GetProperty("version").GetInt64() > version, answer.ToString());
        var after = await DiagramWhenAsync(d => d.GetProperty("text").GetString()?.Contains("172.18.0.99", StringComparison.Ordinal) == true);
        Assert.Contains("172.18.0.99", after.GetProperty("text").GetString());

        var alerts = await AlertsWhenAsync(a => Open(a).Any(x => Rule(x) == "node-ip-changed"));
        var changed = Assert.Single(Open(alerts), x => Rule(x) == "node-ip-changed");
        Assert.Equal("node/kind-worker2", changed.GetProperty("subject").GetString());
        var evidence = changed.GetProperty("evidence").EnumerateObject().Select(p => p.Value.GetString()).ToList();
        Assert.Contains(evidence, v => v!.Contains("172.18.0.3", StringComparison.Ordinal));
        Assert.Contains(evidence, v => v!.Contains("172.18.0.99", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_real_dump_problems_are_alerts_over_rest_and_the_cli_check_exits_2_with_them_as_json()
    {
        var alerts = await AlertsWhenAsync(a => Open(a).Any(x => Rule(x) == "node-not-ready") && Open(a).Any(x => Rule(x) == "dns"));
        Assert.Equal("node/kind-worker", Assert.Single(Open(alerts), x => Rule(x) == "node-not-ready").GetProperty("subject").GetString());
        Assert.Single(Open(alerts), x => Rule(x) == "dns");
        Assert.Equal(JsonValueKind.Null, alerts.GetProperty("status").ValueKind);
        Assert.True(alerts.TryGetProperty("resolved", out _));

        var (code, output, error) = await RunCliAsync("cluster", "check", "--name", ClusterSiloFixture.Name, "--json");
        Assert.True(code == 2, $"exit {code}: {error}");
        using var check = JsonDocument.Parse(output);
        var found = check.RootElement.GetProperty("alerts").EnumerateArray().Select(Rule).ToList();
        Assert.Contains("node-not-ready", found);
        Assert.Contains("dns", found);

        // The alerts as a person reads them: each with when it opened and its evidence.
        (code, output, error) = await RunCliAsync("cluster", "alerts", "--name", ClusterSiloFixture.Name);
        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Contains("node-not-ready node/kind-worker", output);
        var alert = output[output.IndexOf("node-not-ready node/kind-worker", StringComparison.Ordinal)..];
        Assert.Contains("open since", alert);
        Assert.Matches(@"\n    internalIp: 172\.18\.0\.\d+", alert);
    }

    [Fact]
    public async Task Commit_writes_the_diagrams_into_the_git_folder_once_and_a_second_commit_finds_them_unchanged()
    {
        await DiagramWhenAsync(d => d.GetProperty("text").ValueKind == JsonValueKind.String);

        using var first = await Http.PostAsync("api/cluster/diagram/commit", null);
        var committed = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(first.IsSuccessStatusCode, committed.ToString());
        Assert.True(committed.GetProperty("committed").GetBoolean(), committed.ToString());
        var commitId = committed.GetProperty("commitId").GetString();
        var markdown = File.ReadAllText(Path.Combine(fixture.Repository.FullName, "cluster", "kind.md"));
        Assert.Contains("kind-worker", markdown);
        Assert.Contains("flowchart TB", markdown);

        using var second = await Http.PostAsync("api/cluster/diagram/commit", null);
        var unchanged = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(unchanged.GetProperty("committed").GetBoolean(), unchanged.ToString());
        Assert.Equal("unchanged since the last commit", unchanged.GetProperty("message").GetString());

        var log = (await GitAsync("log", "--format=%H %s")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(log);
        Assert.StartsWith($"{commitId} ConvoCanvas: ", line);
    }

    [Fact]
    public async Task Cli_prints_the_diagram_and_the_watch_status_of_the_named_cluster()
    {
        await StatusWhenAsync(s => s.GetProperty("connected").GetBoolean());

        var (code, output, error) = await RunCliAsync("cluster", "diagram", "--name", ClusterSiloFixture.Name);
        Assert.True(code == 0, error);
        Assert.Contains("kind-worker2", output);
        Assert.Contains("deployment/coredns", output);

        (code, output, error) = await RunCliAsync("cluster", "status", "--name", ClusterSiloFixture.Name, "--json");
        Assert.True(code == 0, error);
        using var status = JsonDocument.Parse(output);
        Assert.Equal("kind", status.RootElement.GetProperty("cluster").GetString());
        Assert.True(status.RootElement.GetProperty("configured").GetBoolean());
        Assert.True(status.RootElement.GetProperty("connected").GetBoolean(), output);
        Assert.StartsWith("v1.", status.RootElement.GetProperty("serverVersion").GetString());
    }

    [Fact]
    public async Task Readiness_names_the_watched_cluster_and_a_cluster_the_silo_does_not_watch_says_which_it_does()
    {
        await StatusWhenAsync(s => s.GetProperty("connected").GetBoolean());
        var ready = await Http.GetFromJsonAsync<JsonElement>("health/ready");
        var cluster = ready.GetProperty("checks").GetProperty("cluster");
        Assert.Equal("Healthy", cluster.GetProperty("status").GetString());
        Assert.Contains("watching 'kind'", cluster.GetProperty("description").GetString());

        var diagram = await Http.GetFromJsonAsync<JsonElement>("api/cluster/diagram?cluster=other");
        Assert.Equal(JsonValueKind.Null, diagram.GetProperty("text").ValueKind);
        Assert.Contains("'kind'", diagram.GetProperty("status").GetString());
        var alerts = await Http.GetFromJsonAsync<JsonElement>("api/cluster/alerts?cluster=other");
        Assert.Contains("'kind'", alerts.GetProperty("status").GetString());
        Assert.Equal(0, alerts.GetProperty("open").GetArrayLength());
        var status = await Http.GetFromJsonAsync<JsonElement>("api/cluster?cluster=other");
        Assert.False(status.GetProperty("configured").GetBoolean());
    }

    [Fact]
    public async Task An_api_that_stops_answering_shows_as_not_connected_with_the_error_and_reconnects_when_it_returns()
    {
        await StatusWhenAsync(s => s.GetProperty("connected").GetBoolean());
        await fixture.Kubernetes.StopAnsweringAsync();
        try
        {
            var down = await StatusWhenAsync(s => !s.GetProperty("connected").GetBoolean() && s.GetProperty("lastError").ValueKind == JsonValueKind.String);
            Assert.False(string.IsNullOrWhiteSpace(down.GetProperty("lastError").GetString()));
            var alerts = await AlertsWhenAsync(a => Open(a).Any(x => Rule(x) == "api-unreachable"));
            Assert.Contains(Open(alerts), x => Rule(x) == "api-unreachable");
            var ready = await Http.GetFromJsonAsync<JsonElement>("health/ready");
            Assert.Equal("Degraded", ready.GetProperty("checks").GetProperty("cluster").GetProperty("status").GetString());
        }
        finally
        {
            await fixture.Kubernetes.ResumeAsync();
        }

        var back = await StatusWhenAsync(s => s.GetProperty("connected").GetBoolean());
        Assert.True(back.GetProperty("connected").GetBoolean());
        var resolved = await AlertsWhenAsync(a => !Open(a).Any(x => Rule(x) == "api-unreachable"));
        Assert.DoesNotContain(Open(resolved), x => Rule(x) == "api-unreachable");
    }

    private static IEnumerable<JsonElement> Open(JsonElement alerts) => alerts.GetProperty("open").EnumerateArray();

    private static string? Rule(JsonElement alert) => alert.GetProperty("rule").GetString();

    /// <summary>The diagram once <paramref name="done"/> holds, waiting on its long poll; fails after the deadline.</summary>
    private async Task<JsonElement> DiagramWhenAsync(Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + Deadline;
        var diagram = await Http.GetFromJsonAsync<JsonElement>("api/cluster/diagram");
        while (!done(diagram))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the diagram did not come: {diagram}\n{fixture.Silo.Log}");
            diagram = await Http.GetFromJsonAsync<JsonElement>($"api/cluster/diagram?after={diagram.GetProperty("version").GetInt64()}&wait=2");
        }
        return diagram;
    }

    /// <summary>The alerts once <paramref name="done"/> holds, waiting on their long poll; fails after the deadline.</summary>
    private async Task<JsonElement> AlertsWhenAsync(Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + Deadline;
        var alerts = await Http.GetFromJsonAsync<JsonElement>("api/cluster/alerts?resolved=true");
        while (!done(alerts))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the alerts did not come: {alerts}\n{fixture.Silo.Log}");
            alerts = await Http.GetFromJsonAsync<JsonElement>($"api/cluster/alerts?resolved=true&after={alerts.GetProperty("version").GetInt64()}&wait=2");
        }
        return alerts;
    }

    /// <summary>The watch status once <paramref name="done"/> holds, waiting on its long poll; fails after the deadline.</summary>
    private async Task<JsonElement> StatusWhenAsync(Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + Deadline;
        var status = await Http.GetFromJsonAsync<JsonElement>("api/cluster");
        while (!done(status))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the watch status did not come: {status}\n{fixture.Silo.Log}");
            status = await Http.GetFromJsonAsync<JsonElement>($"api/cluster?after={status.GetProperty("version").GetInt64()}&wait=2");
        }
        return status;
    }

    private async Task AssertProblemAsync(string url, string reason)
    {
        using var response = await Http.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {text}");
        Assert.Contains(reason, JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString());
    }

    private async Task<string> GitAsync(params string[] args)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = fixture.Repository.FullName, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var git = Process.Start(info)!;
        var output = git.StandardOutput.ReadToEndAsync();
        var error = git.StandardError.ReadToEndAsync();
        await git.WaitForExitAsync();
        Assert.True(git.ExitCode == 0, await error);
        return await output;
    }

    private Task<(int ExitCode, string Out, string Error)> RunCliAsync(params string[] args) => CliProcess.RunAsync(fixture.Silo.GatewayPort, args);
}
