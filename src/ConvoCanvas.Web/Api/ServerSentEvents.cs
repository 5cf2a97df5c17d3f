using System.Text.Json;
using ConvoCanvas.Abstractions;
using Microsoft.AspNetCore.Http;

namespace ConvoCanvas.Web.Api;

/// <summary>A grain's stream as server-sent events, once its first event is in hand.</summary>
internal static class ServerSentEvents
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    /// <summary>
    /// Writes the current event and every later one as <c>event: {type}</c> / <c>data: {json}</c>, flushed
    /// one by one. Once the stream has begun, whatever goes wrong is its last event (<c>error</c>), not a
    /// cut-off connection; a client that goes away just ends it.
    /// </summary>
    public static async Task WriteAsync<T>(HttpContext http, IAsyncEnumerator<T> events, Func<T, string> type)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            var any = true;
            while (any)
            {
                var e = events.Current;
                await http.Response.WriteAsync($"event: {type(e)}\ndata: {JsonSerializer.Serialize(e, Json)}\n\n", http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
                any = await events.MoveNextAsync();
            }
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            var error = JsonSerializer.Serialize(new { error = e.Message, problem = (e as ModelRequestException)?.Problem.ToString() }, Json);
            await http.Response.WriteAsync($"event: error\ndata: {error}\n\n", http.RequestAborted);
        }
    }
}
