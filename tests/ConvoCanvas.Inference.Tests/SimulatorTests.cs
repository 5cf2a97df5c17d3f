using ConvoCanvas.Inference.Scheduling;
using ConvoCanvas.Inference.Simulation;
using ConvoCanvas.Inference.Trace;
using static ConvoCanvas.Inference.Tests.TestCatalogues;

namespace ConvoCanvas.Inference.Tests;

public sealed class SimulatorTests
{
    [Theory]
    [InlineData("convocanvas")]
    [InlineData("ollama")]
    public void One_request_waits_for_the_load_and_the_gpu_is_idle_while_it_loads(string policy)
    {
        var catalogue = Card(20, Model("a", 3, loadSeconds: 2));
        // 2 s to load, then 1,000 prompt tokens at 1,000/s and 300 output tokens at 100/s: 4 s.
        var report = new Simulator(catalogue).Run([Request(0, 10, "a", Priority.Interactive, 1_000, 300)], Policy(policy));
        Assert.Equal(new WaitPercentiles(2000, 2000, 2000), report.InteractiveWaitMs);
        Assert.Equal((1, 1, 0, 0), (report.Requests, report.Served, report.Unserved, report.Overcommits));
        Assert.Equal(1, report.Loads);
        Assert.Equal(3.0, report.GbLoaded);
        Assert.Equal(100.0 * 2 / 6, report.GpuIdlePct, 1);
        Assert.Equal(16, report.SimulatedSeconds, 3);
    }

    [Fact]
    public void Two_models_running_at_once_share_the_gpu()
    {
        var catalogue = Card(20, Model("a", 3, loadSeconds: 0), Model("b", 3, loadSeconds: 0));
        // Each alone: 2 s. Together from t=0: both at half speed, both done at 4 s.
        var trace = new[] { Request(0, 0, "a", Priority.Batch, 1_000, 100), Request(1, 0, "b", Priority.Batch, 1_000, 100) };
        var report = new Simulator(catalogue).Run(trace, new ConvoCanvasPolicy());
        Assert.Equal(4, report.BatchMakespanS, 3);
        Assert.Equal(0, report.GpuIdlePct);
    }

    [Fact]
    public void One_model_runs_one_request_at_a_time_and_the_second_waits()
    {
        var catalogue = Card(20, Model("a", 3, loadSeconds: 0));
        var trace = new[] { Request(0, 0, "a", Priority.Batch, 1_000, 100), Request(1, 0, "a", Priority.Batch, 1_000, 100) };
        var report = new Simulator(catalogue).Run(trace, new OllamaDefaultPolicy());
        Assert.Equal(new WaitPercentiles(0, 2000, 2000), report.BatchWaitMs);
        Assert.Equal(4, report.BatchMakespanS, 3);
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var waits = Enumerable.Range(1, 100).Select(i => i / 1000.0).ToList();
        Assert.Equal(new WaitPercentiles(50, 95, 99), Run.Percentiles(waits));
        Assert.Equal(new WaitPercentiles(0, 0, 0), Run.Percentiles([]));
    }

    [Fact]
    public void The_report_is_snake_case_json_with_the_agreed_fields()
    {
        var report = new Simulator(Card(20, Model("a", 3))).Run([Request(0, 0, "a")], new ConvoCanvasPolicy());
        using var json = System.Text.Json.JsonDocument.Parse(report.ToJson());
        foreach (var field in new[] { "policy", "requests", "batch_makespan_s", "loads", "evictions", "gb_loaded", "gpu_idle_pct", "overcommits", "unserved" })
        {
            Assert.True(json.RootElement.TryGetProperty(field, out _), field);
        }
        var waits = json.RootElement.GetProperty("interactive_wait_ms");
        Assert.Equal(1000, waits.GetProperty("p95").GetDouble());
        Assert.Equal("convocanvas", json.RootElement.GetProperty("policy").GetString());
    }

    [Fact]
    public void A_policy_that_breaks_the_rules_is_stopped()
    {
        var catalogue = Card(20, Model("a", 3));
        var error = Assert.Throws<InvalidOperationException>(() => new Simulator(catalogue).Run([Request(0, 0, "a")], new DispatchesUnloaded()));
        Assert.Contains("not loaded", error.Message);
    }

    private sealed class DispatchesUnloaded : ISchedulingPolicy
    {
        public string Name => "broken";

        public bool Admit(InferenceRequest request, SchedulerState state, out string? reason)
        {
            reason = null;
            return true;
        }

        public SchedulerDecision Decide(SchedulerState state) => state.Queue.Count > 0 ? new DispatchDecision(state.Queue[0]) : SchedulerDecision.Wait;

        public double? NextWakeUp(SchedulerState state) => null;
    }

    internal static ISchedulingPolicy Policy(string name) => name == "ollama" ? new OllamaDefaultPolicy() : new ConvoCanvasPolicy();
}
