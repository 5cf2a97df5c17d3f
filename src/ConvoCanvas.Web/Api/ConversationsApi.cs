using ConvoCanvas.Abstractions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ConvoCanvas.Web.Api;

internal static class ConversationsApi
{
    public static void MapConversationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api");

        group.MapGet("/conversations", async (IGrainFactory grains, string? source, string? model, DateTimeOffset? from, DateTimeOffset? to, string? q, int? offset, int? limit) =>
            await grains.GetGrain<IConversationCatalogGrain>(0).ListAsync(new ConversationQuery
            {
                Source = source,
                Model = model,
                From = from,
                To = to,
                Text = q,
                Offset = offset ?? 0,
                Limit = limit ?? 50,
            }));

        group.MapGet("/conversations/{id}", async (IGrainFactory grains, string id, int? brief) =>
        {
            var grain = grains.GetGrain<IConversationGrain>(id);
            var conversation = await grain.GetAsync();
            if (conversation is null)
            {
                return Results.Problem($"no conversation '{id}'", statusCode: StatusCodes.Status404NotFound);
            }
            if (brief is < 256)
            {
                return Results.Problem("brief must be a window of at least 256 tokens", statusCode: StatusCodes.Status400BadRequest);
            }
            var tokens = await grain.GetTokenReportAsync();
            var briefText = brief is { } window ? await grain.GetBriefAsync(window) : null;
            return Results.Ok(new { conversation, tokens, brief = briefText });
        });

        group.MapGet("/stats", async (IGrainFactory grains) => await grains.GetGrain<IConversationCatalogGrain>(0).GetStatsAsync());
    }
}
