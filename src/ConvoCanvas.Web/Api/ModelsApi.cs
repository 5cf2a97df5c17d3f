using System.Text.Json;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Abstractions.Client;
using ConvoCanvas.Inference;
using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Inference.Scheduling;
using ConvoCanvas.Inference.Simulation;
using ConvoCanvas.Inference.Trace;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ConvoCanvas.Web.Api;

internal static class ModelsApi
{
    /// <summary>A trace to simulate is read whole; beyond this it is refused (a day of a busy desk is ~200 KB).</summary>
    public const long MaxTraceBytes = 32 * 1024 * 1024;

    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public static void MapModelsApi(this IEndpointRouteBuilder app)
    {
        IGpuSchedulerGrain Gpu(IGrainFactory grains) => grains.GetGrain<IGpuSchedulerGrain>("gpu0");

        app.MapGet("/api/models", (IGrainFactory grains) => Answer(() => Gpu(grains).ListModelsAsync()));
        app.MapGet("/api/models/fits", (int? numCtx, IGrainFactory grains) => Answer(() => Gpu(grains).FitsAsync(numCtx)));
        app.MapGet("/api/models/route", (string? kind, int? numCtx, IGrainFactory grains) =>
            Answer(() => grains.GetGrain<IModelRouterGrain>(0).RouteAsync(kind ?? TaskKinds.Chat, numCtx)));
        app.MapPost("/api/models/{name}/pin", (string name, IGrainFactory grains) => Answer(async () => { await Gpu(grains).SetPinnedAsync(name, true); return new { model = name, pinned = true }; }));
        app.MapDelete("/api/models/{name}/pin", (string name, IGrainFactory grains) => Answer(async () => { await Gpu(grains).SetPinnedAsync(name, false); return new { model = name, pinned = false }; }));
        app.MapPost("/api/models/{name}/load", (string name, int? numCtx, IGrainFactory grains) => Answer(async () => { await Gpu(grains).LoadAsync(name, numCtx); return new { model = name, loaded = true }; }));
        app.MapPost("/api/models/{name}/unload", (string name, IGrainFactory grains) => Answer(async () => { await Gpu(grains).UnloadAsync(name); return new { model = name, loaded = false }; }));
        // ?after=VERSION&wait=SECONDS (at most 25; keep it under the silo's Orleans response timeout, 30 s by default): answers once the books pass that version, for live views without polling.
        app.MapGet("/api/gpu", (long? after, double? wait, IGrainFactory grains) => Answer(() => after is { } version
            ? Gpu(grains).WatchAsync(version, TimeSpan.FromSeconds(Math.Clamp(wait ?? 10, 0, 25)))
            : Gpu(grains).GetStatusAsync()));
        app.MapPost("/api/gpu/check", (IGrainFactory grains) => Answer(() => Gpu(grains).CheckAsync()));
        app.MapPost("/api/generate", GenerateAsync);
        app.MapPost("/api/models/simulate", SimulateAsync).DisableAntiforgery();
    }

    /// <summary>
    /// POST /api/generate {model | kind, prompt | messages, system, numCtx, maxTokens, priority}: the answer as
    /// server-sent events (<c>routed</c>, <c>queued</c>, <c>started</c>, <c>token</c>, <c>done</c>, or <c>error</c>).
    /// A request that cannot start gets a problem answer with a status code instead.
    /// </summary>
    private static async Task GenerateAsync(HttpContext http, IGrainFactory grains)
    {
        GenerationRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync<GenerationRequest>(Json, http.RequestAborted);
        }
        catch (JsonException e)
        {
            await Results.Problem($"the body is not a generation request: {e.Message}", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(http);
            return;
        }
        if (request is null)
        {
            await Results.Problem("the body is empty", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(http);
            return;
        }
        request = request with { Caller = request.Caller ?? $"http {http.Connection.RemoteIpAddress}" };
        var events = grains.GenerateAsync(request, http.RequestAborted).GetAsyncEnumerator(http.RequestAborted);
        try
        {
            bool any;
            try
            {
                any = await events.MoveNextAsync();
            }
            catch (ModelRequestException e)
            {
                await Results.Problem(e.Message, statusCode: StatusOf(e.Problem), extensions: new Dictionary<string, object?> { ["problem"] = e.Problem.ToString() }).ExecuteAsync(http);
                return;
            }
            await ServerSentEvents.WriteAsync(http, events, e => e.Type);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; disposing the enumerator returns the lease.
        }
        finally
        {
            await events.DisposeAsync();
        }
    }

    /// <summary>
    /// POST /api/models/simulate (multipart: <c>trace</c> a JSONL file, optional <c>catalogue</c> a JSON file;
    /// without a trace, the generated day with <c>seed</c>): both policies on the trace, as the CLI's
    /// <c>models simulate --json</c> reports them.
    /// </summary>
    private static async Task<IResult> SimulateAsync(HttpRequest http, CancellationToken cancellationToken)
    {
        var form = http.HasFormContentType ? await http.ReadFormAsync(cancellationToken) : null;
        ModelCatalogue catalogue;
        IReadOnlyList<InferenceRequest> trace;
        try
        {
            var catalogueFile = form?.Files.GetFile("catalogue");
            catalogue = catalogueFile is null
                ? PolicyComparison.ShippedCatalogue()
                : ModelCatalogue.Parse(await ReadAsync(catalogueFile, cancellationToken), catalogueFile.FileName);
            var traceFile = form?.Files.GetFile("trace");
            if (traceFile is null)
            {
                var seed = int.TryParse(form?["seed"].ToString() ?? http.Query["seed"].ToString(), out var s) ? s : 1;
                trace = PolicyComparison.GeneratedDay(seed, catalogue);
            }
            else
            {
                trace = TraceFile.Read(new StringReader(await ReadAsync(traceFile, cancellationToken)), traceFile.FileName, catalogue);
            }
        }
        catch (InferenceInputException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
        }
        catch (InvalidDataException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        var reports = await Task.Run(() => PolicyComparison.Run(catalogue, trace), cancellationToken);
        return Results.Text(JsonSerializer.Serialize(new { gpu = catalogue.Gpu.Name, models = catalogue.Models.Count, requests = trace.Count, reports }, SimulationReport.Json), "application/json");
    }

    private static async Task<string> ReadAsync(IFormFile file, CancellationToken cancellationToken)
    {
        if (file.Length > MaxTraceBytes)
        {
            throw new InvalidDataException($"{file.FileName}: {file.Length:N0} bytes is more than the {MaxTraceBytes / (1024 * 1024)} MiB a simulation takes");
        }
        using var reader = new StreamReader(file.OpenReadStream());
        return await reader.ReadToEndAsync(cancellationToken);
    }

    private static async Task<IResult> Answer<T>(Func<Task<T>> call)
    {
        try
        {
            return Results.Ok(await call());
        }
        catch (ModelRequestException e)
        {
            return Results.Problem(e.Message, statusCode: StatusOf(e.Problem), extensions: new Dictionary<string, object?> { ["problem"] = e.Problem.ToString() });
        }
    }

    public static int StatusOf(ModelProblem problem) => problem switch
    {
        ModelProblem.Invalid => StatusCodes.Status400BadRequest,
        ModelProblem.UnknownModel => StatusCodes.Status404NotFound,
        ModelProblem.DoesNotFit => StatusCodes.Status422UnprocessableEntity,
        ModelProblem.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ModelProblem.Hung => StatusCodes.Status504GatewayTimeout,
        ModelProblem.Conflict => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status502BadGateway,
    };
}
