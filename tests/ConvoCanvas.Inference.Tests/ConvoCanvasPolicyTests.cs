using ConvoCanvas.Inference.Scheduling;
using ConvoCanvas.Inference.Simulation;
using ConvoCanvas.Inference.Trace;
using static ConvoCanvas.Inference.Tests.TestCatalogues;

namespace ConvoCanvas.Inference.Tests;

public sealed class ConvoCanvasPolicyTests
{
    [Fact]
    public void Interactive_goes_before_batch_that_arrived_earlier()
    {
        var catalogue = Card(20, Model("a", 2));
        var state = new SchedulerState(catalogue) { Now = 5 };
        state.AddLoaded(new LoadedModel(catalogue["a"], 2048, 0) { Ready = true });
        var batch = new PendingRequest(Request(0, 1, "a", Priority.Batch), 1);
        var background = new PendingRequest(Request(1, 2, "a", Priority.Background), 2);
        var interactive = new PendingRequest(Request(2, 4, "a"), 4);
        state.Enqueue(batch);
        state.Enqueue(background);
        state.Enqueue(interactive);

        Assert.Equal(new DispatchDecision(interactive), new ConvoCanvasPolicy().Decide(state));
    }

    [Fact]
    public void A_batch_lane_left_unserved_for_its_ageing_time_goes_first()
    {
        var catalogue = Card(20, Model("a", 2));
        var policy = new ConvoCanvasPolicy();
        var state = new SchedulerState(catalogue) { Now = 10 };
        var batch = new PendingRequest(Request(0, 0, "a", Priority.Batch), 0);
        var interactive = new PendingRequest(Request(1, 9, "a"), 9);
        state.Enqueue(batch);
        state.Enqueue(interactive);

        Assert.Equal([interactive, batch], policy.Rank(state).Ranked);
        state.Now = 30;
        Assert.Equal([batch, interactive], policy.Rank(state).Ranked);
    }

    [Fact]
    public void Requests_for_the_loaded_model_are_served_together_before_switching()
    {
        var catalogue = Card(10, Model("a", 6), Model("b", 6));
        var trace = new[]
        {
            Request(0, 0, "a", Priority.Background), Request(1, 0.1, "b", Priority.Background), Request(2, 0.2, "a", Priority.Background),
            Request(3, 0.3, "b", Priority.Background), Request(4, 0.4, "a", Priority.Background),
        };
        Assert.Equal(2, new Simulator(catalogue).Run(trace, new ConvoCanvasPolicy()).Loads);
        Assert.Equal(5, new Simulator(catalogue).Run(trace, new OllamaDefaultPolicy()).Loads);
    }

    [Fact]
    public void Eviction_keeps_the_model_that_is_costly_to_reload_and_in_demand()
    {
        var catalogue = Card(12, Model("heavy", 5, loadSeconds: 5), Model("light", 5, loadSeconds: 0.5), Model("new", 5));
        var policy = new ConvoCanvasPolicy();
        var state = new SchedulerState(catalogue);
        for (var i = 0; i < 10; i++)
        {
            state.Now = i;
            Assert.True(policy.Admit(Request(i, i, "heavy"), state, out _));
        }
        state.Now = 50;
        policy.Admit(Request(10, 50, "light"), state, out _);
        // light was used last, heavy longest ago: Ollama would evict heavy.
        state.AddLoaded(new LoadedModel(catalogue["heavy"], 2048, 0) { Ready = true, IdleSince = 10 });
        state.AddLoaded(new LoadedModel(catalogue["light"], 2048, 0) { Ready = true, IdleSince = 51 });
        state.Now = 60;
        policy.Admit(Request(11, 60, "new"), state, out _);
        state.Enqueue(new PendingRequest(Request(11, 60, "new"), 60));

        var decision = Assert.IsType<LoadDecision>(policy.Decide(state));
        Assert.Equal(["light"], decision.Evict);
        Assert.True(policy.KeepValue(state.Loaded[0], state) > policy.KeepValue(state.Loaded[1], state));
    }

    [Fact]
    public void A_pinned_model_is_never_evicted()
    {
        var catalogue = Card(10, Model("pinned", 4, pinned: true), Model("a", 4), Model("b", 4));
        // pinned is unused after the first request, a is busy in between: the rule alone would pick pinned.
        var trace = new[] { Request(0, 0, "pinned"), Request(1, 1, "a"), Request(2, 100, "a"), Request(3, 200, "b"), Request(4, 300, "pinned") };
        var report = new Simulator(catalogue).Run(trace, new ConvoCanvasPolicy());
        Assert.Equal(3, report.Loads);
        Assert.Equal(1, report.Evictions);
        Assert.Equal(0, report.Unserved);
    }

    [Fact]
    public void A_model_is_loaded_with_the_largest_recent_context_so_alternating_clients_share_one_load()
    {
        var catalogue = Card(20, Model("a", 2), Model("b", 2));
        var trace = new[]
        {
            Request(0, 0, "a", numCtx: 8192), Request(1, 10, "a", numCtx: 2048), Request(2, 20, "a", numCtx: 4000), Request(3, 30, "a", numCtx: 8192),
        };
        var policy = new ConvoCanvasPolicy();
        var state = new SchedulerState(catalogue);
        Assert.True(policy.Admit(Request(0, 0, "a", numCtx: 6000), state, out _));
        var pending = new PendingRequest(Request(1, 0, "a", numCtx: 2048), 0);
        state.Enqueue(pending);
        Assert.Equal(8192, policy.StickyContext(pending, state));
        var load = Assert.IsType<LoadDecision>(policy.Decide(state));
        Assert.Equal(("a", 8192), (load.Model, load.NumCtx));
        Assert.Empty(load.Evict);

        Assert.Equal(1, new Simulator(catalogue).Run(trace, new ConvoCanvasPolicy()).Loads);
        Assert.Equal(4, new Simulator(catalogue).Run(trace, new OllamaDefaultPolicy()).Loads);
    }

    [Fact]
    public void A_request_that_can_never_fit_is_refused_at_the_door()
    {
        var catalogue = Card(5, Model("a", 2));
        var policy = new ConvoCanvasPolicy();
        Assert.False(policy.Admit(Request(0, 0, "a", numCtx: 4_000_000), new SchedulerState(catalogue), out var reason));
        Assert.StartsWith("'a' at num_ctx 4000000 needs 6.0 GB", reason);
    }

    [Fact]
    public void A_load_waits_for_its_victims_to_finish_and_they_take_no_less_urgent_work_meanwhile()
    {
        var catalogue = Card(10, Model("a", 6), Model("b", 6));
        // a runs a long batch request; an interactive request for b needs a's room; more batch work for a arrives.
        var trace = new[]
        {
            Request(0, 0, "a", Priority.Batch, output: 2_000), Request(1, 5, "b"), Request(2, 6, "a", Priority.Batch),
        };
        // Without preloading: once the queue is empty, b (asked for interactively) would be loaded back in a's place.
        var report = new Simulator(catalogue).Run(trace, new ConvoCanvasPolicy(new ConvoCanvasPolicy.Settings { Preload = false }));
        // a finishes at 1 + 21 = 22 s; b loads at 22, starts at 23: waits 18 s. Request 2 runs after b.
        Assert.Equal(18_000, report.InteractiveWaitMs.P50);
        Assert.Equal(3, report.Loads);
    }

    [Fact]
    public void Victims_are_the_set_cheapest_in_all_not_the_cheapest_per_byte()
    {
        // big: 4 s to reload for 8 GB (0.5 s per GB); small: 1.5 s for 2 GB (0.75 s per GB); both asked for once.
        // new needs 1 GB more than is free: evicting small (1.5 s) costs less than evicting big (4 s).
        var catalogue = Card(12, Model("big", 8, loadSeconds: 4), Model("small", 2, loadSeconds: 1.5), Model("new", 3));
        var policy = new ConvoCanvasPolicy();
        var state = new SchedulerState(catalogue);
        policy.Admit(Request(0, 0, "big"), state, out _);
        policy.Admit(Request(1, 0, "small"), state, out _);
        state.AddLoaded(new LoadedModel(catalogue["big"], 2048, 0) { Ready = true, IdleSince = 5 });
        state.AddLoaded(new LoadedModel(catalogue["small"], 2048, 0) { Ready = true, IdleSince = 5 });
        state.Now = 10;
        state.Enqueue(new PendingRequest(Request(2, 10, "new"), 10));

        var decision = Assert.IsType<LoadDecision>(policy.Decide(state));
        Assert.Equal(["small"], decision.Evict);
    }

    [Fact]
    public void A_reload_a_person_would_wait_for_weighs_more_than_one_a_batch_job_would()
    {
        // Same size, same load time; batch was asked for 4 times, interactive once: by count alone, interactive would go.
        var catalogue = Card(10, Model("chat", 4), Model("bulk", 4), Model("new", 4));
        var state = new SchedulerState(catalogue);
        var policy = new ConvoCanvasPolicy();
        for (var i = 0; i < 4; i++)
        {
            policy.Admit(Request(i, 0, "bulk", Priority.Batch), state, out _);
        }
        policy.Admit(Request(4, 0, "chat"), state, out _);
        state.AddLoaded(new LoadedModel(catalogue["chat"], 2048, 0) { Ready = true });
        state.AddLoaded(new LoadedModel(catalogue["bulk"], 2048, 0) { Ready = true });
        state.Now = 5;
        state.Enqueue(new PendingRequest(Request(3, 5, "new"), 5));

        Assert.Equal(["bulk"], Assert.IsType<LoadDecision>(policy.Decide(state)).Evict);
        var unweighted = new ConvoCanvasPolicy(new ConvoCanvasPolicy.Settings { BatchReloadWeight = 1 });
        for (var i = 0; i < 4; i++)
        {
            unweighted.Admit(Request(i, 0, "bulk", Priority.Batch), state, out _);
        }
        unweighted.Admit(Request(4, 0, "chat"), state, out _);
        Assert.Equal(["chat"], Assert.IsType<LoadDecision>(unweighted.Decide(state)).Evict);
    }

    [Fact]
    public void The_model_of_a_conversation_going_on_now_outweighs_one_used_more_but_a_while_ago()
    {
        // old: five turns 15 minutes ago; chat: one turn 30 s ago. The 10-minute count alone prefers old.
        var catalogue = Card(10, Model("old", 4), Model("chat", 4), Model("new", 4));
        (SchedulerState, ConvoCanvasPolicy) Setup(ConvoCanvasPolicy.Settings settings)
        {
            var policy = new ConvoCanvasPolicy(settings);
            var state = new SchedulerState(catalogue);
            for (var i = 0; i < 5; i++)
            {
                state.Now = i * 10;
                policy.Admit(Request(i, i * 10, "old"), state, out _);
            }
            state.Now = 870;
            policy.Admit(Request(5, 870, "chat"), state, out _);
            state.AddLoaded(new LoadedModel(catalogue["old"], 2048, 0) { Ready = true });
            state.AddLoaded(new LoadedModel(catalogue["chat"], 2048, 0) { Ready = true });
            state.Now = 900;
            state.Enqueue(new PendingRequest(Request(6, 900, "new"), 900));
            return (state, policy);
        }

        var (state, policy) = Setup(new ConvoCanvasPolicy.Settings());
        Assert.Equal(["old"], Assert.IsType<LoadDecision>(policy.Decide(state)).Evict);
        var (state2, withoutSessions) = Setup(new ConvoCanvasPolicy.Settings { SessionHorizonSeconds = 0 });
        Assert.Equal(["chat"], Assert.IsType<LoadDecision>(withoutSessions.Decide(state2)).Evict);
    }

    [Fact]
    public void A_quiet_card_preloads_the_model_a_person_was_using()
    {
        var catalogue = Card(10, Model("chat", 4), Model("other", 4));
        var policy = new ConvoCanvasPolicy();
        var state = new SchedulerState(catalogue);
        policy.Admit(Request(0, 0, "chat", numCtx: 4096), state, out _);
        state.Now = 20;

        var preload = Assert.IsType<LoadDecision>(policy.Decide(state));
        Assert.Equal(new LoadDecision("chat", 4096, [], Preload: true), preload with { Evict = [] });
        Assert.Empty(preload.Evict);
        // Switched off, or with a load under way, or nobody asked for anything: nothing is preloaded.
        var off = new ConvoCanvasPolicy(new ConvoCanvasPolicy.Settings { Preload = false });
        off.Admit(Request(0, 0, "chat"), state, out _);
        Assert.Equal(SchedulerDecision.Wait, off.Decide(state));
        Assert.Equal(SchedulerDecision.Wait, new ConvoCanvasPolicy().Decide(state));
        state.AddLoaded(new LoadedModel(catalogue["other"], 2048, 20));
        Assert.Equal(SchedulerDecision.Wait, policy.Decide(state));
    }

    [Fact]
    public void A_preload_evicts_only_models_worth_far_less_than_it()
    {
        var catalogue = Card(5, Model("chat", 4), Model("idle", 4));
        var policy = new ConvoCanvasPolicy();
        var state = new SchedulerState(catalogue);
        policy.Admit(Request(0, 0, "chat"), state, out _);
        state.AddLoaded(new LoadedModel(catalogue["idle"], 2048, 0) { Ready = true });
        state.Now = 20;
        // idle was never asked for: it makes room.
        Assert.Equal(["idle"], Assert.IsType<LoadDecision>(policy.Decide(state)).Evict);

        // idle asked for as often as chat: not worth a swap.
        policy.Admit(Request(1, 20, "idle"), state, out _);
        policy.Admit(Request(2, 20, "chat"), state, out _);
        Assert.Equal(SchedulerDecision.Wait, policy.Decide(state));
    }

    [Fact]
    public void A_preload_is_a_load_in_the_report_and_the_next_turn_finds_its_model_warm()
    {
        // A person asks chat at 0; a batch job for bulk (the whole card) pushes chat out at 10; the next turn comes at 60.
        var catalogue = Card(10, Model("chat", 4), Model("bulk", 8));
        var trace = new[] { Request(0, 0, "chat", output: 10), Request(1, 10, "bulk", Priority.Batch, output: 10), Request(2, 60, "chat", output: 10) };
        var preloading = new Simulator(catalogue).Run(trace, new ConvoCanvasPolicy());
        var demandOnly = new Simulator(catalogue).Run(trace, new ConvoCanvasPolicy(new ConvoCanvasPolicy.Settings { Preload = false }));

        Assert.Equal((3, 1, 16.0), (preloading.Loads, preloading.Preloads, preloading.GbLoaded));
        Assert.Equal(new WaitPercentiles(0, 1000, 1000), preloading.InteractiveWaitMs);
        Assert.Equal((3, 0, 16.0), (demandOnly.Loads, demandOnly.Preloads, demandOnly.GbLoaded));
        Assert.Equal(new WaitPercentiles(1000, 1000, 1000), demandOnly.InteractiveWaitMs);
        Assert.Equal((0, 0), (preloading.Unserved, preloading.Overcommits));
    }
}
