using System.Text.Json;
using ConvoCanvas.Testing;

namespace ConvoCanvas.Cluster.Tests;

/// <summary>
/// <c>convocanvas cluster diagram|check --from-dir</c> as a user runs it: the built CLI reading a folder of saved
/// <c>kubectl get -o json</c> outputs, no silo anywhere. The real kind-cluster dump is read where it lies.
/// </summary>
public sealed class CliOfflineTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("convocanvas-cli-dump-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task Diagram_from_a_dump_draws_nodes_and_coredns_in_ascii_and_mermaid_within_the_width()
    {
        var (code, output, error) = await CliProcess.RunOfflineAsync("cluster", "diagram", "--from-dir", SharedK8sData.KindCluster);
        Assert.True(code == 0, error);
        Assert.Contains("kind-control-plane", output);
        Assert.Contains("kind-worker2", output);
        Assert.Contains("deployment/coredns", output);

        (code, output, error) = await CliProcess.RunOfflineAsync("cluster", "diagram", "--from-dir", SharedK8sData.KindCluster, "--format", "mermaid");
        Assert.True(code == 0, error);
        Assert.StartsWith("flowchart TB", output);
        Assert.Contains("coredns", output);

        (code, output, error) = await CliProcess.RunOfflineAsync("cluster", "diagram", "--from-dir", SharedK8sData.KindCluster, "--width", "70");
        Assert.True(code == 0, error);
        Assert.Contains("kind-worker", output);
        Assert.All(output.Split('\n'), line => Assert.True(line.Length <= 70, $"{line.Length} columns: {line}"));
    }

    [Fact]
    public async Task Check_from_a_dump_prints_json_alerts_and_exits_2()
    {
        var (code, output, error) = await CliProcess.RunOfflineAsync("cluster", "check", "--from-dir", SharedK8sData.KindCluster, "--json");

        Assert.True(code == 2, $"exit {code}: {error}");
        using var json = JsonDocument.Parse(output);
        var alerts = json.RootElement.GetProperty("alerts").EnumerateArray().ToList();
        var notReady = Assert.Single(alerts, a => a.GetProperty("rule").GetString() == "node-not-ready");
        Assert.Equal("node/kind-worker", notReady.GetProperty("subject").GetString());
        Assert.Contains(alerts, a => a.GetProperty("rule").GetString() == "dns");
    }

    [Fact]
    public async Task Check_from_a_dump_alarms_when_fewer_pods_than_expected_are_ready()
    {
        var (code, output, error) = await CliProcess.RunOfflineAsync(
            "cluster", "check", "--from-dir", SharedK8sData.KindCluster, "--expect-pods", "500", "--expect", "kube-system=99", "--expect", "gone=2", "--json");

        Assert.True(code == 2, $"exit {code}: {error}");
        using var json = JsonDocument.Parse(output);
        var missing = json.RootElement.GetProperty("alerts").EnumerateArray().Where(a => a.GetProperty("rule").GetString() == "pods-missing").ToList();
        var cluster = Assert.Single(missing, a => a.GetProperty("subject").GetString() == "cluster");
        Assert.Equal("500", cluster.GetProperty("evidence").GetProperty("expected").GetString());
        var system = Assert.Single(missing, a => a.GetProperty("subject").GetString() == "namespace/kube-system");
        Assert.Equal("99", system.GetProperty("evidence").GetProperty("expected").GetString());
        // A namespace expected but not there at all: nothing of it is ready.
        var gone = Assert.Single(missing, a => a.GetProperty("subject").GetString() == "namespace/gone");
        Assert.Equal("critical", gone.GetProperty("severity").GetString());

        // Without expectations the same dump has no pods-missing alert: nothing was learned from one look.
        (code, output, error) = await CliProcess.RunOfflineAsync("cluster", "check", "--from-dir", SharedK8sData.KindCluster, "--json");
        using var plain = JsonDocument.Parse(output);
        Assert.DoesNotContain(plain.RootElement.GetProperty("alerts").EnumerateArray(), a => a.GetProperty("rule").GetString() == "pods-missing");
    }

    [Theory]
    [InlineData("--expect", "kube-system", "--expect 'kube-system' is not NAMESPACE=COUNT")]
    [InlineData("--expect", "apps=many", "--expect 'apps=many' is not NAMESPACE=COUNT")]
    public async Task A_bad_expectation_is_one_clear_error(string option, string value, string message)
    {
        var (code, _, error) = await CliProcess.RunOfflineAsync("cluster", "check", "--from-dir", SharedK8sData.KindCluster, option, value);

        Assert.Equal(1, code);
        Assert.Contains(message, error);
    }

    [Fact]
    public async Task Expectations_without_a_dump_are_refused_because_the_silo_has_its_own()
    {
        var (code, _, error) = await CliProcess.RunOfflineAsync("cluster", "check", "--expect-pods", "23");

        Assert.Equal(1, code);
        Assert.Contains("--expect-pods and --expect go with --from-dir", error);
    }

    [Fact]
    public async Task A_malformed_file_is_named_on_stderr_and_the_good_ones_are_still_drawn()
    {
        File.Copy(Path.Combine(SharedK8sData.KindCluster, "resources", "ns", "kube-system", "core_v1_pods.json"), Path.Combine(_temp.FullName, "pods.json"));
        File.WriteAllText(Path.Combine(_temp.FullName, "broken.json"), "{\"kind\": \"PodList\", \"items\": [");

        var (code, output, error) = await CliProcess.RunOfflineAsync("cluster", "diagram", "--from-dir", _temp.FullName);

        Assert.True(code == 0, error);
        Assert.Contains("broken.json", error);
        Assert.DoesNotContain("pods.json", error);
        Assert.Contains("deployment/coredns", output);
    }

    [Fact]
    public async Task Kinds_that_are_not_drawn_are_noted_once_and_do_not_fail_the_diagram()
    {
        File.Copy(Path.Combine(SharedK8sData.KindCluster, "resources", "ns", "kube-system", "core_v1_pods.json"), Path.Combine(_temp.FullName, "pods.json"));
        File.WriteAllText(Path.Combine(_temp.FullName, "configmaps.json"),
            "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"namespace\":\"default\"}},{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"b\",\"namespace\":\"default\"}}]}");

        var (code, output, error) = await CliProcess.RunOfflineAsync("cluster", "diagram", "--from-dir", _temp.FullName);

        Assert.True(code == 0, error);
        Assert.Contains("deployment/coredns", output);
        var note = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("note:", StringComparison.Ordinal));
        Assert.Contains("configmaps.json", note);
        Assert.Contains("ConfigMap", note);
    }

    [Fact]
    public async Task An_empty_folder_is_one_clear_error_and_exit_1()
    {
        var (code, output, error) = await CliProcess.RunOfflineAsync("cluster", "diagram", "--from-dir", _temp.FullName);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error: no pods or nodes found in", line);
        Assert.Contains(_temp.FullName, line);
    }

    [Fact]
    public async Task A_missing_folder_is_an_error_and_exit_1()
    {
        var missing = Path.Combine(_temp.FullName, "not-there");

        var (code, _, error) = await CliProcess.RunOfflineAsync("cluster", "check", "--from-dir", missing);

        Assert.Equal(1, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error:", line);
        Assert.Contains("not-there", line);
    }
}
