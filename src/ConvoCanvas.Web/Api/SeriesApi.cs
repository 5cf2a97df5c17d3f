using ConvoCanvas.Abstractions;
using ConvoCanvas.Content.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ConvoCanvas.Web.Api;

/// <summary>Blog series: plan, drafts, posts and export over REST (the Blog series and episode grains).</summary>
internal static class SeriesApi
{
    public static void MapSeriesApi(this IEndpointRouteBuilder app)
    {
        // POST /api/series {topic, from, to, episodes, vault, maxSources}: the plan (its slug comes from the topic).
        app.MapPost("/api/series", (SeriesPlanRequest request, IGrainFactory grains) =>
            Answer(() => grains.GetGrain<IBlogSeriesGrain>(TextLength.Slug(request.Topic ?? "")).PlanAsync(request)));
        // GET /api/series/{slug}: the plan, the latest draft of each episode, the posts, the job under way.
        // ?after=VERSION&wait=SECONDS (at most 25): a long poll, answered once the series' version passes VERSION.
        app.MapGet("/api/series/{slug}", async (string slug, long? after, double? wait, IGrainFactory grains) =>
        {
            var grain = grains.GetGrain<IBlogSeriesGrain>(slug);
            var view = after is { } version ? await grain.WatchAsync(version, TimeSpan.FromSeconds(Math.Clamp(wait ?? 10, 0, 25))) : await grain.GetAsync();
            return view is not null ? Results.Ok(view) : Results.Problem($"no series '{slug}'", statusCode: StatusCodes.Status404NotFound);
        });
        // POST /api/series/{slug}/draft {episode, useModel, kind, model}: starts drafting; follow it with GET /api/series/{slug}.
        app.MapPost("/api/series/{slug}/draft", (string slug, SeriesDraftRequest? request, IGrainFactory grains) =>
            Answer(() => grains.GetGrain<IBlogSeriesGrain>(slug).StartDraftAsync(request ?? new SeriesDraftRequest()), StatusCodes.Status202Accepted));
        // POST /api/series/{slug}/posts?model=false: starts writing the posts.
        app.MapPost("/api/series/{slug}/posts", (string slug, bool? model, IGrainFactory grains) =>
            Answer(() => grains.GetGrain<IBlogSeriesGrain>(slug).StartPostsAsync(model ?? true), StatusCodes.Status202Accepted));
        // GET /api/series/{slug}/episodes/{n}/drafts: every version of an episode's draft, oldest first.
        app.MapGet("/api/series/{slug}/episodes/{n:int}/drafts", async (string slug, int n, IGrainFactory grains) =>
            Results.Ok(await grains.GetGrain<IBlogEpisodeGrain>($"{slug}/{n}").GetDraftsAsync()));
        // GET /api/series/{slug}/export?format=hugo|jekyll|obsidian: the files, paths relative to the export folder.
        app.MapGet("/api/series/{slug}/export", (string slug, string? format, IGrainFactory grains) =>
            Answer(() => grains.GetGrain<IBlogSeriesGrain>(slug).ExportAsync(format ?? "hugo")));
        // GET /api/series/{slug}/export.zip?format=: the same files as a zip to unpack into a site or a vault.
        app.MapGet("/api/series/{slug}/export.zip", async (string slug, string? format, IGrainFactory grains) =>
        {
            IReadOnlyList<ConvoCanvas.Content.Series.ExportFile> files;
            try
            {
                files = await grains.GetGrain<IBlogSeriesGrain>(slug).ExportAsync(format ?? "hugo");
            }
            catch (ArgumentException e)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
            }
            using var zip = new MemoryStream();
            using (var archive = new System.IO.Compression.ZipArchive(zip, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var file in files)
                {
                    var entry = archive.CreateEntry(file.Path, System.IO.Compression.CompressionLevel.Optimal);
                    await using var writer = new StreamWriter(entry.Open());
                    await writer.WriteAsync(file.Content);
                }
            }
            return Results.File(zip.ToArray(), "application/zip", $"{slug}-{format ?? "hugo"}.zip");
        });
    }

    private static async Task<IResult> Answer<T>(Func<Task<T>> call, int status = StatusCodes.Status200OK)
    {
        try
        {
            var value = await call();
            return status == StatusCodes.Status200OK ? Results.Ok(value) : Results.Json(value, statusCode: status);
        }
        catch (ArgumentException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
        }
        catch (InvalidOperationException e)
        {
            // Busy with drafting or posts, or search turned off on the silo.
            return Results.Problem(e.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }
}
