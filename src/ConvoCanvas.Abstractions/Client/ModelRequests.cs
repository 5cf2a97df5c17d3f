using System.Runtime.CompilerServices;

namespace ConvoCanvas.Abstractions.Client;

/// <summary>How the CLI, the REST API and the web ask a local model: route by task kind unless a model is named, then stream from the model's slot.</summary>
public static class ModelRequests
{
    public static async IAsyncEnumerable<GenerationEvent> GenerateAsync(this IGrainFactory grains, GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var model = request.Model;
        if (string.IsNullOrWhiteSpace(model))
        {
            var route = await grains.GetGrain<IModelRouterGrain>(0).RouteAsync(request.Kind ?? TaskKinds.Chat, request.NumCtx);
            model = route.Model;
            yield return new GenerationEvent { Type = GenerationEvent.Routed, Model = model, Detail = route.Reason };
        }
        await foreach (var e in grains.GetGrain<IModelSlotGrain>(model).GenerateAsync(request with { Model = model }, cancellationToken).WithCancellation(cancellationToken))
        {
            yield return e;
        }
    }
}
