using ConvoCanvas.Abstractions;
using ConvoCanvas.Cluster.Health;
using ConvoCanvas.Cluster.Health.Sinks;
using ConvoCanvas.Cluster.Watching;
using ConvoCanvas.Grains.Cluster;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ConvoCanvas.Silo.Hosting;

public static class ClusterExtensions
{
    /// <summary>
    /// The cluster that documents itself: the watch (<c>ConvoCanvas:Cluster</c>: a kubeconfig, a URL, or in-cluster),
    /// the diagrams and their git repository (<c>ConvoCanvas:Cluster:Diagrams</c>), the health rules
    /// (<c>ConvoCanvas:Cluster:Health</c>) with their sinks (the log; a webhook when <c>Health:Webhook:Url</c> is set), and
    /// the watcher and health grains started with the silo. With no cluster configured, all of it stays idle and says so.
    /// </summary>
    public static WebApplicationBuilder AddConvoCanvasCluster(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(ClusterConnectionOptions.SectionName);
        var connection = section.Get<ClusterConnectionOptions>() ?? new ClusterConnectionOptions();
        builder.Services.AddSingleton(Options.Create(connection));
        builder.Services.Configure<ClusterGrainOptions>(section.GetSection("Grains"));
        builder.Services.Configure<DiagramOptions>(section.GetSection("Diagrams"));
        var health = builder.Configuration.GetSection(HealthSettings.SectionName).Get<HealthSettings>() ?? new HealthSettings();
        builder.Services.AddSingleton(Options.Create(health));

        builder.Services.AddSingleton<IAlertSink, LogAlertSink>();
        if (health.Webhook.Url is { } hook && (!hook.IsAbsoluteUri || hook.Scheme is not ("http" or "https")))
        {
            throw new InvalidOperationException($"{HealthSettings.SectionName}:Webhook:Url '{hook}' is not an absolute http or https URL");
        }
        if (health.Webhook.Url is not null)
        {
            builder.Services.AddHttpClient(nameof(WebhookAlertSink));
            builder.Services.AddSingleton<IAlertSink>(services => new WebhookAlertSink(
                services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(WebhookAlertSink)),
                health.Webhook, services.GetRequiredService<ILogger<WebhookAlertSink>>()));
        }
        builder.Services.AddSingleton<AlertDispatcher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AlertDispatcher>());
        builder.Services.AddHealthChecks().AddCheck<ClusterWatchHealthCheck>("cluster", tags: ["ready"]);
        return builder;
    }

    /// <summary>Once the silo is up, the configured cluster's watcher and health grains are woken (their reminders keep them going).</summary>
    public static ISiloBuilder AddClusterWatchAtStart(this ISiloBuilder silo) =>
        silo.AddStartupTask(async (services, cancellationToken) =>
        {
            var connection = services.GetRequiredService<IOptions<ClusterConnectionOptions>>().Value;
            if (!connection.IsConfigured)
            {
                return;
            }
            var grains = services.GetRequiredService<IGrainFactory>();
            await grains.GetGrain<IClusterWatcherGrain>(connection.Name).EnsureStartedAsync();
            await grains.GetGrain<IHealthGrain>(connection.Name).EnsureStartedAsync();
        });
}

/// <summary>
/// The cluster watch in /health/ready: degraded (not unhealthy) when the API cannot be read, because everything else in
/// ConvoCanvas works; healthy and saying so when no cluster is configured.
/// </summary>
internal sealed class ClusterWatchHealthCheck(IGrainFactory grains, IOptions<ClusterConnectionOptions> connection) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!connection.Value.IsConfigured)
        {
            return HealthCheckResult.Healthy("no cluster configured");
        }
        try
        {
            var status = await grains.GetGrain<IClusterWatcherGrain>(connection.Value.Name).GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return status.Connected
                ? HealthCheckResult.Healthy($"watching '{status.Cluster}' ({status.ServerVersion})")
                : HealthCheckResult.Degraded($"cluster '{status.Cluster}' not readable: {status.LastError ?? "first lists under way"}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded($"the cluster watcher did not answer: {ex.Message}");
        }
    }
}
