using ConvoCanvas.Abstractions;
using ConvoCanvas.Grains.Models;
using ConvoCanvas.Inference.Ollama;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConvoCanvas.Silo.Hosting;

public static class ModelsExtensions
{
    /// <summary>The local model fleet: the Ollama gateway the model grains use, and Ollama in /health/ready.</summary>
    public static WebApplicationBuilder AddConvoCanvasModels(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("ConvoCanvas:Models");
        builder.Services.Configure<ModelOptions>(section);
        var options = section.Get<ModelOptions>() ?? new ModelOptions();
        if (options.Enabled)
        {
            if (!Uri.TryCreate(options.OllamaUrl, UriKind.Absolute, out var server))
            {
                throw new InvalidOperationException($"ConvoCanvas:Models:OllamaUrl '{options.OllamaUrl}' is not an absolute URL");
            }
            builder.Services.AddSingleton(new OllamaGateway(new OllamaGatewayOptions { Server = server, StallTimeout = options.StallTimeout }));
        }
        builder.Services.AddHealthChecks().AddCheck<OllamaHealthCheck>("ollama", tags: ["ready"]);
        return builder;
    }
}

/// <summary>
/// Ollama as the GPU scheduler last saw it, liveness probe included (Ollama can hang while /api/tags
/// answers). Anything but "ok" is degraded, not unhealthy: everything but the models still works.
/// </summary>
internal sealed class OllamaHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var status = await grains.GetGrain<IGpuSchedulerGrain>(GpuSchedulerGrain.Key).GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            var ollama = status.Ollama;
            var line = $"{ollama.State}: {ollama.Detail}";
            return ollama.State switch
            {
                OllamaLivenessView.Ok or OllamaLivenessView.Disabled => HealthCheckResult.Healthy(line),
                OllamaLivenessView.Unknown => HealthCheckResult.Healthy($"ollama at {ollama.Url} not checked yet"),
                _ => HealthCheckResult.Degraded($"{line} (model features are unavailable; the rest of ConvoCanvas works)"),
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded($"the GPU scheduler did not answer: {ex.Message}");
        }
    }
}
