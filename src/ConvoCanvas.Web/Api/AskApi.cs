using System.Text.Json;
using ConvoCanvas.Abstractions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ConvoCanvas.Web.Api;

/// <summary>Questions answered from the notes and conversations, with citations (the Ask grain).</summary>
internal static class AskApi
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public static void MapAskApi(this IEndpointRouteBuilder app) => app.MapPost("/api/ask", AskAsync);

    /// <summary>
    /// POST /api/ask {question, kind, model, vault, sourceKind, evidence, maxTokens}: server-sent events
    /// <c>evidence</c> (the numbered sources), <c>routed</c>/<c>queued</c>/<c>started</c>, <c>token</c>s
    /// and <c>done</c> (the final answer, its citations, how many were removed), or <c>error</c> mid-way
    /// (a named model that is not installed, a silo failure). A question that cannot be asked (empty,
    /// too long, a bad filter, search off) gets a problem answer with a status code instead.
    /// </summary>
    private static async Task AskAsync(HttpContext http, IGrainFactory grains)
    {
        AskRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync<AskRequest>(Json, http.RequestAborted);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Malformed JSON, or a body that is not JSON at all (another content type).
            await Results.Problem($"the body is not a question: {e.Message}", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(http);
            return;
        }
        if (request is null)
        {
            await Results.Problem("the body is empty", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(http);
            return;
        }
        request = request with { Caller = request.Caller ?? $"ask over http {http.Connection.RemoteIpAddress}" };
        var events = grains.GetGrain<IAskGrain>(Guid.NewGuid()).AskAsync(request, http.RequestAborted).GetAsyncEnumerator(http.RequestAborted);
        try
        {
            bool any;
            try
            {
                any = await events.MoveNextAsync();
            }
            catch (ArgumentException e)
            {
                await Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(http);
                return;
            }
            catch (ModelRequestException e)
            {
                await Results.Problem(e.Message, statusCode: ModelsApi.StatusOf(e.Problem), extensions: new Dictionary<string, object?> { ["problem"] = e.Problem.ToString() }).ExecuteAsync(http);
                return;
            }
            catch (InvalidOperationException e)
            {
                await Results.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(http);
                return;
            }
            await ServerSentEvents.WriteAsync(http, events, e => e.Type);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; disposing the enumerator gives the model's lease back.
        }
        finally
        {
            await events.DisposeAsync();
        }
    }
}
