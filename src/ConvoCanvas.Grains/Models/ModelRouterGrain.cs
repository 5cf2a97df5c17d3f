using ConvoCanvas.Abstractions;
using ConvoCanvas.Abstractions.Client;
using ConvoCanvas.Inference.Routing;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ConvoCanvas.Grains.Models;

/// <summary>
/// The supervisor: turns a task kind into a model (<see cref="ModelRouter"/>: the configured preference
/// list, then whatever is installed and fits). Callers then stream from that model's slot
/// (<see cref="ModelRequests.GenerateAsync"/>): a stateless worker must not hold a stream, whose later
/// batches could reach another activation.
/// </summary>
[StatelessWorker]
public sealed class ModelRouterGrain(IOptions<ModelOptions> options) : Grain, IModelRouterGrain
{
    private readonly IReadOnlyDictionary<string, IReadOnlyList<string>> _preferences = Preferences(options.Value);

    public async Task<RouteDecision> RouteAsync(string kind, int? numCtx)
    {
        var fits = await GrainFactory.GetGrain<IGpuSchedulerGrain>(GpuSchedulerGrain.Key).FitsAsync(numCtx);
        var ctx = fits.FirstOrDefault()?.NumCtx ?? numCtx ?? options.Value.DefaultNumCtx;
        try
        {
            var choice = ModelRouter.Choose(kind, ctx, _preferences, fits.Select(f => new RouteCandidate(f.Model, f.Generates, f.Embeds, f.VramBytes, f.Fits, f.Loaded)).ToList());
            return new RouteDecision(kind, choice.Model, choice.Reason);
        }
        catch (RoutingException e)
        {
            throw new ModelRequestException(e.Failure == RoutingFailure.UnknownKind ? ModelProblem.Invalid : ModelProblem.DoesNotFit, e.Message);
        }
    }

    private static Dictionary<string, IReadOnlyList<string>> Preferences(ModelOptions options)
    {
        var table = ModelRouter.DefaultPreferences.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        foreach (var (kind, models) in options.Routes)
        {
            table[kind.ToLowerInvariant()] = models;
        }
        return table;
    }
}
