using ConvoCanvas.Inference.Scheduling;
using ConvoCanvas.Inference.Simulation;
using ConvoCanvas.Inference.Trace;
using static ConvoCanvas.Inference.Tests.TestCatalogues;

namespace ConvoCanvas.Inference.Tests;

public sealed class OllamaPolicyTests
{
    [Fact]
    public void The_queue_is_first_in_first_out_so_a_load_at_the_head_holds_up_a_loaded_model()
    {
        var catalogue = Card(20, Model("a", 2, loadSeconds: 1), Model("b", 2, loadSeconds: 5));
        // a is loaded and idle by t=10; b must load (5 s) and a request for a queues behind it.
        var trace = new[] { Request(0, 0, "a"), Request(1, 10, "b"), Request(2, 10.5, "a") };
        var report = new Simulator(catalogue).Run(trace, new OllamaDefaultPolicy());
        // Waits: 1 s (load a), 5 s (load b), 4.5 s (a behind b's load: head-of-line blocking).
        Assert.Equal(new WaitPercentiles(4500, 5000, 5000), report.InteractiveWaitMs);

        // ConvoCanvas serves the loaded model while b loads: waits 1 s, 5 s and 0.
        var ours = new Simulator(catalogue).Run(trace, new ConvoCanvasPolicy());
        Assert.Equal(new WaitPercentiles(1000, 5000, 5000), ours.InteractiveWaitMs);
    }

    [Fact]
    public void At_most_three_models_are_loaded_even_with_room_for_more()
    {
        var catalogue = Card(100, Model("a", 1), Model("b", 1), Model("c", 1), Model("d", 1));
        var trace = new[] { Request(0, 0, "a"), Request(1, 10, "b"), Request(2, 20, "c"), Request(3, 30, "d") };
        var report = new Simulator(catalogue).Run(trace, new OllamaDefaultPolicy());
        Assert.Equal(4, report.Loads);
        Assert.Equal(1, report.Evictions);
        Assert.Equal(0, new Simulator(catalogue).Run(trace, new ConvoCanvasPolicy()).Evictions);
    }

    [Fact]
    public void It_evicts_the_idle_model_whose_keep_alive_runs_out_first_whatever_its_size()
    {
        var catalogue = Card(100, Model("big", 9), Model("small", 1), Model("mid", 4), Model("new", 1));
        var state = new SchedulerState(catalogue) { Now = 100 };
        state.AddLoaded(new LoadedModel(catalogue["small"], 2000, 0) { Ready = true, IdleSince = 10 });
        state.AddLoaded(new LoadedModel(catalogue["big"], 2000, 0) { Ready = true, IdleSince = 30 });
        state.AddLoaded(new LoadedModel(catalogue["mid"], 2000, 0) { Ready = true, IdleSince = 20 });
        state.Enqueue(new PendingRequest(Request(0, 100, "new"), 100));

        var decision = new OllamaDefaultPolicy().Decide(state);
        Assert.Equal(new UnloadDecision("small", UnloadReason.Evicted), decision);
    }

    [Fact]
    public void Ties_are_broken_by_the_seed()
    {
        var catalogue = Card(100, Model("a", 1), Model("b", 1), Model("c", 1), Model("d", 1));
        var victims = new HashSet<string>();
        for (var seed = 0; seed < 20; seed++)
        {
            var state = new SchedulerState(catalogue) { Now = 50 };
            foreach (var name in new[] { "a", "b", "c" })
            {
                state.AddLoaded(new LoadedModel(catalogue[name], 2000, 0) { Ready = true, IdleSince = 10 });
            }
            state.Enqueue(new PendingRequest(Request(0, 50, "d"), 50));
            var first = (UnloadDecision)new OllamaDefaultPolicy(seed).Decide(state);
            Assert.Equal(first, new OllamaDefaultPolicy(seed).Decide(state));
            victims.Add(first.Model);
        }
        Assert.True(victims.Count > 1);
    }

    [Fact]
    public void A_change_of_num_ctx_forces_a_reload()
    {
        var catalogue = Card(20, Model("a", 2));
        var trace = new[] { Request(0, 0, "a", numCtx: 8192), Request(1, 10, "a", numCtx: 2048), Request(2, 20, "a", numCtx: 8192) };
        var ollama = new Simulator(catalogue).Run(trace, new OllamaDefaultPolicy());
        Assert.Equal(3, ollama.Loads);
        Assert.Equal(2, ollama.Evictions);
        var ours = new Simulator(catalogue).Run(trace, new ConvoCanvasPolicy());
        Assert.Equal(1, ours.Loads);
    }

    [Fact]
    public void An_idle_model_is_unloaded_after_five_minutes()
    {
        var catalogue = Card(20, Model("a", 2));
        var trace = new[] { Request(0, 0, "a"), Request(1, 200, "a"), Request(2, 600, "a") };
        var report = new Simulator(catalogue).Run(trace, new OllamaDefaultPolicy());
        Assert.Equal(2, report.Loads);
        Assert.Equal(2, report.Expiries);
        Assert.Equal(0, report.Evictions);
    }

    [Fact]
    public void The_fit_rule_ignores_the_runners_overhead_so_the_card_can_be_overcommitted()
    {
        var big = new Catalogue.ModelSpec("big", 7 * Gb, 1_000, 1, 1_000, 100, OverheadBytes: 1 * Gb);
        var small = new Catalogue.ModelSpec("small", 1 * Gb, 1_000, 1, 1_000, 100, OverheadBytes: 1 * Gb);
        var catalogue = Card(10, big, small);
        // big takes 8 GB of 10; small: 1 GB ≤ 0.8 × 2 GB free, so Ollama loads it: 10.0 GB + KV > 10 GB.
        var trace = new[] { Request(0, 0, "big", output: 10_000), Request(1, 1, "small") };
        Assert.Equal(1, new Simulator(catalogue).Run(trace, new OllamaDefaultPolicy()).Overcommits);
        Assert.Equal(0, new Simulator(catalogue).Run(trace, new ConvoCanvasPolicy()).Overcommits);
    }

    [Fact]
    public void A_full_queue_refuses_the_rest()
    {
        var catalogue = Card(20, Model("a", 2));
        var trace = Enumerable.Range(0, 600).Select(i => Request(i, 0, "a", Priority.Batch)).ToList();
        var report = new Simulator(catalogue).Run(trace, new OllamaDefaultPolicy());
        Assert.Equal(600 - OllamaDefaultPolicy.MaxQueue, report.Unserved);
        Assert.Equal(OllamaDefaultPolicy.MaxQueue, report.Served);
        Assert.Equal(0, new Simulator(catalogue).Run(trace, new ConvoCanvasPolicy()).Unserved);
    }
}
