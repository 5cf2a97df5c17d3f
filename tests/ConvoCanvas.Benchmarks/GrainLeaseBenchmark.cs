using System.Diagnostics;
using System.Net;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Grains;
using ConvoCanvas.Grains.Catalog;
using ConvoCanvas.Grains.Models;
using ConvoCanvas.Inference.Ollama;
using ConvoCanvas.Testing.Ollama;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ConvoCanvas.Benchmarks;

/// <summary>
/// The GPU scheduler grain's own throughput: callers in the silo take a lease on a loaded model and give it
/// back, as fast as they can, through real grain calls (the policy decides each grant). Ollama is the
/// emulator, used only to load the three models first; no tokens are generated, so the figure is the
/// scheduler's, not the GPU's.
/// </summary>
internal static class GrainLeaseBenchmark
{
    public sealed record Result(double GrantsPerSecond, long Grants, int Callers, double Seconds, long Decisions);

    public static async Task<Result> RunAsync(int callers = 16, double seconds = 5)
    {
        const long GB = 1_000_000_000;
        await using var ollama = new OllamaEmulator(
        [
            new EmulatedModel { Name = "llama3.1:8b", FileBytes = (long)(4.9 * GB) },
            new EmulatedModel { Name = "qwen2.5-coder:7b", FileBytes = (long)(4.7 * GB) },
            new EmulatedModel { Name = "nomic-embed-text", FileBytes = 274_000_000, EmbeddingDimensions = 768, ContextLength = 2048 },
        ], new OllamaEmulatorOptions { TimeScale = 0.01 });
        await ollama.StartAsync();
        using var host = new HostBuilder()
            .UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(siloPort: FreePort(), gatewayPort: FreePort());
                silo.AddMemoryGrainStorage(ProviderNames.Storage);
                silo.UseInMemoryReminderService();
                silo.Services.AddConvoCanvasSerialization();
                silo.Services.AddConvoCanvasGrainServices();
                silo.Services.AddSingleton<IConversationCatalog>(new InMemoryConversationCatalog());
                silo.Services.AddSingleton(new OllamaGateway(new OllamaGatewayOptions { Server = ollama.Address }));
                silo.Services.Configure<ModelOptions>(o => o.OllamaUrl = ollama.Address.ToString());
            })
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .Build();
        await host.StartAsync();
        var gpu = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IGpuSchedulerGrain>(GpuSchedulerGrain.Key);
        string[] models = ["llama3.1:8b", "qwen2.5-coder:7b", "nomic-embed-text"];
        foreach (var model in models)
        {
            await gpu.LoadAsync(model, 2048);
        }
        var before = await gpu.GetStatusAsync();
        long grants = 0;
        var watch = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        var tasks = Enumerable.Range(0, callers).Select(async caller =>
        {
            var priorities = ModelPriorities.All;
            var i = 0;
            while (watch.Elapsed < until)
            {
                var request = new LeaseRequest
                {
                    Ticket = Guid.NewGuid(),
                    Model = models[(caller + i) % models.Length],
                    Priority = priorities[i % priorities.Count],
                    NumCtx = 2048,
                    PromptTokens = 500,
                    OutputTokens = 100,
                    Caller = $"bench {caller}",
                };
                LeaseGrant? grant = null;
                while (grant is null)
                {
                    grant = await gpu.AcquireAsync(request, TimeSpan.FromSeconds(5));
                }
                await gpu.ReleaseAsync(grant.Id, new LeaseOutcome());
                Interlocked.Increment(ref grants);
                i++;
            }
        }).ToList();
        await Task.WhenAll(tasks);
        var elapsed = watch.Elapsed.TotalSeconds;
        var after = await gpu.GetStatusAsync();
        await host.StopAsync();
        if (ollama.RefusedLoads > 0 || after.Leases.Count > 0)
        {
            throw new InvalidOperationException($"the benchmark left the books wrong: {ollama.RefusedLoads} refused loads, {after.Leases.Count} leases");
        }
        return new Result(grants / elapsed, grants, callers, elapsed, after.Decisions - before.Decisions);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
