using ConvoCanvas.Abstractions;
using ConvoCanvas.Cluster.Watching;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ConvoCanvas.Web.Api;

/// <summary>
/// The watched cluster over REST: the watch's status, the diagrams (ASCII or Mermaid, with a long poll for live views),
/// their history and a commit on demand, and the health alerts. <c>?cluster=NAME</c> picks a cluster other than the
/// configured one (<c>ConvoCanvas:Cluster:Name</c>).
/// </summary>
internal static class ClusterApi
{
    public static void MapClusterApi(this IEndpointRouteBuilder app)
    {
        static string Name(HttpContext http, string? cluster) =>
            cluster ?? http.RequestServices.GetService<IOptions<ClusterConnectionOptions>>()?.Value.Name ?? new ClusterConnectionOptions().Name;

        // ?after=VERSION&wait=SECONDS (at most 25): answers once the watch's status changes (connected, an error, new data).
        app.MapGet("/api/cluster", (string? cluster, long? after, double? wait, HttpContext http, IGrainFactory grains) =>
        {
            var watcher = grains.GetGrain<IClusterWatcherGrain>(Name(http, cluster));
            return Answer(() => after is { } version
                ? watcher.WaitForStatusChangeAsync(version, TimeSpan.FromSeconds(Math.Clamp(wait ?? 10, 0, 25)))
                : watcher.GetStatusAsync());
        });
        // ?after=VERSION&wait=SECONDS (at most 25, under the silo's response timeout): answers once the picture changes.
        app.MapGet("/api/cluster/diagram", (string? cluster, string? format, int? width, long? after, double? wait, HttpContext http, IGrainFactory grains) =>
        {
            var diagram = grains.GetGrain<IDiagramGrain>(Name(http, cluster));
            return Answer(() => after is { } version
                ? diagram.WaitForChangeAsync(version, TimeSpan.FromSeconds(Math.Clamp(wait ?? 10, 0, 25)), format ?? "ascii", width ?? 100)
                : diagram.GetDiagramAsync(format ?? "ascii", width ?? 100));
        });
        app.MapGet("/api/cluster/diagram/history", (string? cluster, int? limit, HttpContext http, IGrainFactory grains) =>
            Answer(() => grains.GetGrain<IDiagramGrain>(Name(http, cluster)).GetHistoryAsync(limit ?? 50)));
        app.MapPost("/api/cluster/diagram/commit", (string? cluster, HttpContext http, IGrainFactory grains) =>
            Answer(() => grains.GetGrain<IDiagramGrain>(Name(http, cluster)).CommitNowAsync()));
        app.MapGet("/api/cluster/alerts", (string? cluster, bool? resolved, long? after, double? wait, HttpContext http, IGrainFactory grains) =>
        {
            var health = grains.GetGrain<IHealthGrain>(Name(http, cluster));
            return Answer(() => after is { } version
                ? health.WaitForChangeAsync(version, TimeSpan.FromSeconds(Math.Clamp(wait ?? 10, 0, 25)), resolved ?? true)
                : health.GetAlertsAsync(resolved ?? true));
        });
    }

    private static async Task<IResult> Answer<T>(Func<Task<T>> call)
    {
        try
        {
            return Results.Ok(await call());
        }
        catch (ArgumentException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
        }
    }
}
