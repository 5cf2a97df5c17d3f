using ConvoCanvas.Abstractions;
using ConvoCanvas.Abstractions.Client;
using ConvoCanvas.Grains.Models;
using OllamaSharp;
using OllamaSharp.Models;

namespace ConvoCanvas.Grains.Tests.Models;

public sealed class FleetCluster : ModelCluster;

/// <summary>Requests through the model slot: tokens stream, the lease comes back, statistics are kept.</summary>
public sealed class ModelSlotTests(FleetCluster fleet) : IClassFixture<FleetCluster>
{
    [Fact]
    public async Task A_chat_streams_under_a_lease_and_the_model_keeps_its_statistics()
    {
        var events = await fleet.GenerateAsync("llama3.1:8b", maxTokens: 12, numCtx: 4096);

        Assert.Equal(GenerationEvent.Started, events.First(e => e.Type != GenerationEvent.Queued).Type);
        Assert.Equal(12, events.Count(e => e.Type == GenerationEvent.Token));
        var done = Assert.Single(events, e => e.Type == GenerationEvent.Done).Stats!;
        Assert.Equal(12, done.OutputTokens);
        Assert.Equal(100, done.TokensPerSecond, 0);
        await fleet.AssertNoLeasesAsync();

        var stats = await fleet.Client.GetGrain<IModelSlotGrain>("llama3.1:8b").GetStatsAsync();
        Assert.Equal(1, stats.Requests);
        Assert.Equal(1, stats.Loads);
        Assert.Equal(2.5, stats.LastLoadSeconds!.Value, 1);
        Assert.Equal(100, stats.TokensPerSecond, 0);
        // The estimate is corrected by what Ollama reported once loaded.
        Assert.Equal(ModelCluster.Llama.VramBytes(4096), stats.MeasuredVramBytes);
        var listed = (await fleet.Gpu.ListModelsAsync()).Single(m => m.Name == "llama3.1:8b");
        Assert.Equal(ModelCluster.Llama.VramBytes(4096), listed.VramEstimateBytes);
        Assert.True(listed.Loaded);
        // Ollama was told to keep it: it never unloads behind the scheduler's back.
        Assert.All(fleet.Ollama.Requests.Where(r => r.Model == "llama3.1:8b" && r.Endpoint != "show"), r => Assert.True(r.KeepAlive < TimeSpan.Zero, $"{r.Endpoint} keep_alive {r.KeepAlive}"));
    }

    [Fact]
    public async Task Clients_that_alternate_contexts_share_one_load()
    {
        foreach (var numCtx in new[] { 8192, 2048, 8192, 2048, 4096 })
        {
            var events = await fleet.GenerateAsync("qwen2.5-coder:14b", maxTokens: 3, numCtx: numCtx);
            Assert.Equal(8192, events.Single(e => e.Type == GenerationEvent.Started).Stats!.NumCtx);
        }

        Assert.Single(fleet.Ollama.Loads, m => m == "qwen2.5-coder:14b");
        Assert.All(fleet.Ollama.Requests.Where(r => r.Model == "qwen2.5-coder:14b" && r.Endpoint == "/api/chat"), r => Assert.Equal(8192, r.NumCtx));
    }

    [Fact]
    public async Task Embeddings_run_under_a_lease()
    {
        var vectors = await fleet.Client.GetGrain<IModelSlotGrain>("nomic-embed-text").EmbedAsync(["a note", "another note"], ModelPriorities.Batch);

        Assert.Equal(2, vectors.Count);
        Assert.All(vectors, v => Assert.Equal(768, v.Length));
        await fleet.AssertNoLeasesAsync();
    }

    [Fact]
    public async Task Bad_requests_get_one_clear_line()
    {
        async Task<ModelRequestException> Refused(string model, int? numCtx = null, string prompt = "hi", string priority = ModelPriorities.Interactive) =>
            await Assert.ThrowsAsync<ModelRequestException>(() => fleet.GenerateAsync(model, prompt, numCtx: numCtx, priority: priority));

        var unknown = await Refused("no-such-model:7b");
        Assert.Equal(ModelProblem.UnknownModel, unknown.Problem);
        Assert.Contains("'no-such-model:7b' is not installed", unknown.Message);
        Assert.Contains("llama3.1:8b", unknown.Message);

        var huge = await Refused("llama3.1:70b");
        Assert.Equal(ModelProblem.DoesNotFit, huge.Problem);
        Assert.Contains("more than the budget", huge.Message);

        var tooLong = await Refused("qwen2.5-coder:14b", numCtx: 65_536);
        Assert.Equal(ModelProblem.DoesNotFit, tooLong.Problem);
        Assert.Contains("32768", tooLong.Message);

        // 4.9 GB of weights + 128 Ki tokens × 128 KiB of KV cache: more than the card.
        var noRoom = await Refused("llama3.1:8b", numCtx: 131_072);
        Assert.Equal(ModelProblem.DoesNotFit, noRoom.Problem);

        Assert.Equal(ModelProblem.Invalid, (await Refused("llama3.1:8b", prompt: " ")).Problem);
        Assert.Equal(ModelProblem.Invalid, (await Refused("llama3.1:8b", priority: "urgent")).Problem);
        await fleet.AssertNoLeasesAsync();
        Assert.Equal(0, fleet.Ollama.RefusedLoads);
    }
}

public sealed class OvercommitCluster : ModelCluster;

public sealed class OvercommitTests(OvercommitCluster fleet) : IClassFixture<OvercommitCluster>
{
    [Fact]
    public async Task Concurrent_requests_for_more_models_than_fit_all_finish_without_an_overcommit()
    {
        string[] models = ["qwen2.5-coder:14b", "deepseek-r1:14b", "llama3.1:8b", "gemma2:27b", "llama3.2:1b"];
        string[] priorities = [ModelPriorities.Interactive, ModelPriorities.Batch, ModelPriorities.Background];
        var requests = Enumerable.Range(0, 30).Select(i => fleet.GenerateAsync(models[i * 7 % models.Length], maxTokens: 5, priority: priorities[i % 3])).ToList();

        var results = await Task.WhenAll(requests);

        Assert.All(results, events => Assert.Single(events, e => e.Type == GenerationEvent.Done));
        Assert.Equal(0, fleet.Ollama.RefusedLoads);
        Assert.True(fleet.Ollama.PeakVramBytes <= fleet.Ollama.Options.VramBytes);
        Assert.True(fleet.Ollama.Loads.Count >= models.Length, "every model was loaded at least once");
        await fleet.AssertNoLeasesAsync();
        var status = await fleet.Gpu.GetStatusAsync();
        Assert.True(status.UsedBytes <= status.BudgetBytes);
        Assert.Equal(30, status.LeasesGranted);
    }
}

public sealed class PriorityCluster : ModelCluster;

public sealed class PriorityTests(PriorityCluster fleet) : IClassFixture<PriorityCluster>
{
    [Fact]
    public async Task An_interactive_request_goes_before_batch_work_queued_earlier()
    {
        var gpu = fleet.Gpu;
        LeaseRequest Ask(string priority) => new() { Ticket = Guid.NewGuid(), Model = "llama3.1:8b", Priority = priority, Caller = priority };
        var first = Ask(ModelPriorities.Interactive);
        var held = await gpu.AcquireAsync(first, TimeSpan.FromSeconds(10));
        Assert.NotNull(held);

        // The model runs one request at a time: these wait.
        var batch = Ask(ModelPriorities.Batch);
        var background = Ask(ModelPriorities.Background);
        var interactive = Ask(ModelPriorities.Interactive);
        Assert.Null(await gpu.AcquireAsync(background, TimeSpan.Zero));
        Assert.Null(await gpu.AcquireAsync(batch, TimeSpan.Zero));
        Assert.Null(await gpu.AcquireAsync(interactive, TimeSpan.Zero));
        Assert.Equal(3, (await gpu.GetStatusAsync()).Queue.Count);

        await gpu.ReleaseAsync(held.Id, new LeaseOutcome());
        Assert.Null(await gpu.AcquireAsync(batch, TimeSpan.Zero));
        var next = await gpu.AcquireAsync(interactive, TimeSpan.Zero);
        Assert.NotNull(next);

        await gpu.ReleaseAsync(next.Id, new LeaseOutcome());
        Assert.Null(await gpu.AcquireAsync(background, TimeSpan.Zero));
        var then = await gpu.AcquireAsync(batch, TimeSpan.Zero);
        Assert.NotNull(then);
        await gpu.ReleaseAsync(then.Id, new LeaseOutcome());
        var last = await gpu.AcquireAsync(background, TimeSpan.Zero);
        Assert.NotNull(last);
        await gpu.ReleaseAsync(last.Id, new LeaseOutcome());
        await fleet.AssertNoLeasesAsync();
    }
}

public sealed class PinCluster : ModelCluster
{
    // No preloads: a test here holds Ollama's loads, and a preload held then would queue its load first.
    protected override void Configure(ModelOptions options) => options.Preload = false;
}

public sealed class PinTests(PinCluster fleet) : IClassFixture<PinCluster>
{
    [Fact]
    public async Task Pinning_a_model_while_it_loads_still_ends_its_load_and_serves_the_waiting_request()
    {
        const string model = "llama3.2:1b";
        fleet.Ollama.HoldLoads();
        Task<List<GenerationEvent>> generation;
        try
        {
            generation = fleet.GenerateAsync(model, maxTokens: 2);
            var loading = await fleet.StatusWhenAsync(s => s.Loading == model);
            Assert.Equal(model, loading.Loading);
            // A pin changes the model's spec, and the books take a new entry for it while Ollama still loads.
            await fleet.Gpu.SetPinnedAsync(model, true);
        }
        finally
        {
            fleet.Ollama.ReleaseLoads();
        }
        try
        {
            var events = await generation.WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Contains(events, e => e.Type == GenerationEvent.Done);
            var status = await fleet.StatusWhenAsync(s => s.Loading is null);
            Assert.Null(status.Loading);
            Assert.True(status.Loaded.Single(m => m.Model == model).Pinned);
        }
        finally
        {
            await fleet.Gpu.SetPinnedAsync(model, false);
        }
        await fleet.AssertNoLeasesAsync();
        if ((await fleet.Gpu.GetStatusAsync()).Loaded.Any(m => m.Model == model))
        {
            await fleet.Gpu.UnloadAsync(model);
        }
    }

    [Fact]
    public async Task A_pinned_model_is_never_evicted_and_cannot_be_unloaded_until_unpinned()
    {
        await fleet.Gpu.SetPinnedAsync("llama3.2:1b", true);
        await fleet.Gpu.LoadAsync("llama3.2:1b", 4096);
        foreach (var model in new[] { "qwen2.5-coder:14b", "deepseek-r1:14b", "llama3.1:8b", "qwen2.5-coder:14b" })
        {
            await fleet.GenerateAsync(model, maxTokens: 2);
            Assert.Contains(fleet.Ollama.Loaded, l => l.Model == "llama3.2:1b");
        }
        // gemma2:27b (15.6 GB) would fit the card alone, but not beside the pinned model.
        var refused = await Assert.ThrowsAsync<ModelRequestException>(() => fleet.GenerateAsync("gemma2:27b", maxTokens: 2));
        Assert.Equal(ModelProblem.DoesNotFit, refused.Problem);
        Assert.Contains("pinned", refused.Message);
        var unload = await Assert.ThrowsAsync<ModelRequestException>(() => fleet.Gpu.UnloadAsync("llama3.2:1b"));
        Assert.Equal(ModelProblem.Conflict, unload.Problem);
        Assert.Contains("pinned", (await fleet.Gpu.GetStatusAsync()).Loaded.Where(l => l.Pinned).Select(l => l.Model).Select(m => "pinned " + m).Single());

        await fleet.Gpu.SetPinnedAsync("llama3.2:1b", false);
        await fleet.GenerateAsync("gemma2:27b", maxTokens: 2);
        Assert.DoesNotContain(fleet.Ollama.Loaded, l => l.Model == "llama3.2:1b");
        Assert.Equal(0, fleet.Ollama.RefusedLoads);
        await fleet.AssertNoLeasesAsync();
    }
}

public sealed class FaultCluster : ModelCluster
{
    protected override void Configure(ModelOptions options) => options.LeaseTtlSeconds = 2;
}

public sealed class FaultTests(FaultCluster fleet) : IClassFixture<FaultCluster>
{
    [Fact]
    public async Task Callers_cancelled_mid_stream_leak_no_lease()
    {
        // slow:7b writes one token a second (10 ms at the emulator's time scale): 500 tokens take 5 s.
        var started = new List<Task>();
        using var cancel = new CancellationTokenSource();
        var tokens = 0;
        for (var i = 0; i < 4; i++)
        {
            started.Add(Task.Run(async () =>
            {
                var request = new GenerationRequest { Prompt = "write a long story", MaxTokens = 500, Caller = "killed" };
                await foreach (var e in fleet.Client.GetGrain<IModelSlotGrain>("slow:7b").GenerateAsync(request, cancel.Token).WithCancellation(cancel.Token))
                {
                    if (e.Type == GenerationEvent.Token && Interlocked.Increment(ref tokens) == 3)
                    {
                        cancel.Cancel();
                    }
                }
            }));
        }
        foreach (var task in started)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        }

        await fleet.AssertNoLeasesAsync();
        var after = await fleet.GenerateAsync("slow:7b", maxTokens: 2);
        Assert.Single(after, e => e.Type == GenerationEvent.Done);
        await fleet.AssertNoLeasesAsync();
    }

    [Fact]
    public async Task Ollama_hanging_mid_stream_fails_the_request_returns_the_lease_and_marks_ollama_hung()
    {
        await fleet.GenerateAsync("llama3.1:8b", maxTokens: 2);
        fleet.Ollama.HangAfterTokens = 3;
        try
        {
            var error = await Assert.ThrowsAsync<ModelRequestException>(() => fleet.GenerateAsync("llama3.1:8b", maxTokens: 20));
            Assert.Equal(ModelProblem.Hung, error.Problem);
            Assert.Contains("produced nothing", error.Message);
            await fleet.AssertNoLeasesAsync();
            Assert.Equal("hung", (await fleet.Gpu.GetStatusAsync()).Ollama.State);

            // The liveness probe sees it too: a one-token generation that never comes.
            fleet.Ollama.HangAfterTokens = 0;
            var probe = await fleet.Gpu.CheckAsync();
            Assert.Equal("hung", probe.State);
        }
        finally
        {
            fleet.Ollama.HangAfterTokens = null;
        }
        var ok = await fleet.Gpu.CheckAsync();
        Assert.Equal("ok", ok.State);
        Assert.NotNull(ok.ProbeMs);
        Assert.Single(await fleet.GenerateAsync("llama3.1:8b", maxTokens: 2), e => e.Type == GenerationEvent.Done);
        await fleet.AssertNoLeasesAsync();
    }

    [Fact]
    public async Task A_lease_whose_holder_vanished_is_taken_back()
    {
        var grant = await fleet.Gpu.AcquireAsync(new LeaseRequest { Ticket = Guid.NewGuid(), Model = "llama3.2:1b", Caller = "vanished" }, TimeSpan.FromSeconds(10));
        Assert.NotNull(grant);
        // Lease TTL is 120 s in production; this cluster's is 2 s (FaultCluster).
        var status = await fleet.StatusWhenAsync(s => s.Leases.Count == 0);
        Assert.Empty(status.Leases);
        Assert.True(status.LeasesReclaimed >= 1);
    }
}

public sealed class OutsideCluster : ModelCluster;

public sealed class OutsideTests(OutsideCluster fleet) : IClassFixture<OutsideCluster>
{
    [Fact]
    public async Task A_model_loaded_or_unloaded_outside_ConvoCanvas_is_noticed()
    {
        using var ollama = new OllamaApiClient(new HttpClient { BaseAddress = fleet.Ollama.Address });
        await foreach (var _ in ollama.GenerateAsync(new GenerateRequest { Model = "llama3.2:1b", KeepAlive = "-1", Options = new RequestOptions { NumCtx = 2048 } }))
        {
        }

        var seen = await fleet.StatusWhenAsync(s => s.Loaded.Any(l => l.Model == "llama3.2:1b"));
        var loaded = Assert.Single(seen.Loaded, l => l.Model == "llama3.2:1b");
        Assert.True(loaded.Outside);
        Assert.Equal(2048, loaded.NumCtx);
        Assert.Equal(ModelCluster.Small.VramBytes(2048), loaded.VramBytes);

        await foreach (var _ in ollama.GenerateAsync(new GenerateRequest { Model = "llama3.2:1b", KeepAlive = "0" }))
        {
        }
        var gone = await fleet.StatusWhenAsync(s => s.Loaded.Count == 0);
        Assert.Empty(gone.Loaded);
    }
}

public sealed class NoOllamaCluster() : ModelCluster(ollamaRunning: false);

public sealed class NoOllamaTests(NoOllamaCluster fleet) : IClassFixture<NoOllamaCluster>
{
    [Fact]
    public async Task Without_Ollama_every_model_feature_says_so_in_one_line()
    {
        var list = await Assert.ThrowsAsync<ModelRequestException>(() => fleet.Gpu.ListModelsAsync());
        Assert.Equal(ModelProblem.Unavailable, list.Problem);
        Assert.StartsWith($"Ollama is not reachable at {fleet.OllamaUrl}", list.Message);
        Assert.DoesNotContain('\n', list.Message);

        var chat = await Assert.ThrowsAsync<ModelRequestException>(() => fleet.GenerateAsync("llama3.1:8b"));
        Assert.Equal(ModelProblem.Unavailable, chat.Problem);
        var route = await Assert.ThrowsAsync<ModelRequestException>(() => fleet.Client.GetGrain<IModelRouterGrain>(0).RouteAsync("chat", null));
        Assert.Equal(ModelProblem.Unavailable, route.Problem);

        var status = await fleet.Gpu.GetStatusAsync();
        Assert.Equal("unreachable", status.Ollama.State);
        Assert.Empty(status.Loaded);
    }
}

public sealed class RouterCluster : ModelCluster
{
    protected override void Configure(ModelOptions options)
    {
        options.Routes["code"] = ["qwen2.5-coder:32b", "qwen2.5-coder:14b"];
        options.Routes["reasoning"] = ["deepseek-r1:70b"];
    }
}

public sealed class RouterTests(RouterCluster fleet) : IClassFixture<RouterCluster>
{
    private IModelRouterGrain Router => fleet.Client.GetGrain<IModelRouterGrain>(0);

    [Fact]
    public async Task Task_kinds_go_to_the_first_installed_preference_that_fits()
    {
        var code = await Router.RouteAsync("code", null);
        Assert.Equal("qwen2.5-coder:14b", code.Model);
        Assert.Contains("qwen2.5-coder:32b (not installed)", code.Reason);

        var chat = await Router.RouteAsync("chat", null);
        Assert.Equal("llama3.1:8b", chat.Model);

        var embed = await Router.RouteAsync("embed", null);
        Assert.Equal("nomic-embed-text", embed.Model);
    }

    [Fact]
    public async Task Without_an_installed_preference_the_router_falls_back_and_says_why_when_nothing_fits()
    {
        var reasoning = await Router.RouteAsync("reasoning", null);
        Assert.Contains("deepseek-r1:70b (not installed)", reasoning.Reason);
        Assert.NotEqual("llama3.1:70b", reasoning.Model);

        var nothing = await Assert.ThrowsAsync<ModelRequestException>(() => Router.RouteAsync("embed", 1_000_000));
        Assert.Equal(ModelProblem.DoesNotFit, nothing.Problem);
        Assert.Contains("no installed model can do 'embed'", nothing.Message);

        var unknown = await Assert.ThrowsAsync<ModelRequestException>(() => Router.RouteAsync("poetry", null));
        Assert.Equal(ModelProblem.Invalid, unknown.Problem);
    }

    [Fact]
    public async Task A_request_by_kind_is_routed_and_streamed()
    {
        var events = new List<GenerationEvent>();
        await foreach (var e in fleet.Client.GenerateAsync(new GenerationRequest { Kind = "code", Prompt = "reverse a list in C#", MaxTokens = 4 }))
        {
            events.Add(e);
        }
        Assert.Equal(GenerationEvent.Routed, events[0].Type);
        Assert.Equal("qwen2.5-coder:14b", events[0].Model);
        Assert.Equal(4, events.Count(e => e.Type == GenerationEvent.Token));
        await fleet.AssertNoLeasesAsync();
    }
}
