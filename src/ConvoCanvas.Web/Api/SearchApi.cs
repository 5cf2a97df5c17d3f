using System.Globalization;
using ConvoCanvas.Abstractions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ConvoCanvas.Web.Api;

internal static class SearchApi
{
    private static readonly HashSet<string> Parameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "q", "k", "limit", "kind", "source", "vault", "path", "tag", "since", "until", "model", "mode", "keywordWeight",
    };

    public static void MapSearchApi(this IEndpointRouteBuilder app)
    {
        // GET /api/search?q=…&k=10&kind=note|conversation&source=chatgpt&vault=…&path=prefix&tag=a&tag=b&since=2025-01-01&until=…&model=…&mode=hybrid|vector|keyword
        app.MapGet("/api/search", async (HttpRequest http, IGrainFactory grains) =>
        {
            if (!TryParse(http.Query, out var request, out var problem))
            {
                return Results.Problem(problem, statusCode: StatusCodes.Status400BadRequest);
            }
            try
            {
                return Results.Ok(await grains.GetGrain<ISearchGrain>(0).SearchAsync(request!));
            }
            catch (ArgumentException e)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
            }
            catch (InvalidOperationException e)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });

        // GET /api/documents/{id}/related?k=10, id a source id: note:{vault}/{path} or conversation:{id} (URL-encoded), or a bare conversation id.
        app.MapGet("/api/documents/{id}/related", async (string id, int? k, IGrainFactory grains) =>
        {
            var sourceId = Uri.UnescapeDataString(id);
            if (!sourceId.StartsWith("note:", StringComparison.Ordinal) && !sourceId.StartsWith("conversation:", StringComparison.Ordinal))
            {
                sourceId = "conversation:" + sourceId;
            }
            try
            {
                return Results.Ok(await grains.GetGrain<ISearchGrain>(0).RelatedAsync(sourceId, k ?? 10));
            }
            catch (ArgumentException e)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
            }
            catch (InvalidOperationException e)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });

        app.MapGet("/api/search/stats", async (IGrainFactory grains) => Results.Ok(await grains.GetGrain<ISearchGrain>(0).GetStatsAsync()));

        app.MapPost("/api/search/reconcile", async (IGrainFactory grains) =>
        {
            try
            {
                return Results.Ok(await grains.GetGrain<IIndexReconcilerGrain>(0).ReconcileAsync());
            }
            catch (InvalidOperationException e)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
    }

    internal static bool TryParse(IQueryCollection query, out SearchRequest? request, out string problem)
    {
        request = null;
        problem = "";
        var unknown = query.Keys.Where(k => !Parameters.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            problem = $"unknown search parameter{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))}; known: {string.Join(", ", Parameters.Order())}";
            return false;
        }
        var limitText = query["k"].FirstOrDefault() ?? query["limit"].FirstOrDefault();
        var limit = 10;
        if (limitText is not null && !int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit))
        {
            problem = $"k must be a whole number, not '{limitText}'";
            return false;
        }
        double? keywordWeight = null;
        if (query["keywordWeight"].FirstOrDefault() is { } weightText)
        {
            if (!double.TryParse(weightText, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight))
            {
                problem = $"keywordWeight must be a number, not '{weightText}'";
                return false;
            }
            keywordWeight = weight;
        }
        if (!TryDate(query["since"].FirstOrDefault(), "since", endOfDay: false, out var since, ref problem)
            || !TryDate(query["until"].FirstOrDefault(), "until", endOfDay: true, out var until, ref problem))
        {
            return false;
        }
        request = new SearchRequest
        {
            Query = query["q"].FirstOrDefault() ?? "",
            Limit = limit,
            Kind = Blank(query["kind"].FirstOrDefault()),
            Sources = query["source"].Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s!).ToList(),
            Vault = Blank(query["vault"].FirstOrDefault()),
            PathPrefix = Blank(query["path"].FirstOrDefault()),
            Tags = query["tag"].Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s!).ToList(),
            Since = since,
            Until = until,
            Model = Blank(query["model"].FirstOrDefault()),
            Mode = Blank(query["mode"].FirstOrDefault()),
            KeywordWeight = keywordWeight,
        };
        return true;
    }

    /// <summary>A date (<c>2025-03-01</c>, the whole day) or a full timestamp.</summary>
    internal static bool TryDate(string? text, string name, bool endOfDay, out DateTimeOffset? value, ref string problem)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            value = new DateTimeOffset(day.ToDateTime(endOfDay ? TimeOnly.MaxValue : TimeOnly.MinValue), TimeSpan.Zero);
            return true;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            value = at;
            return true;
        }
        problem = $"{name} must be a date like 2025-03-01, not '{text}'";
        return false;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
