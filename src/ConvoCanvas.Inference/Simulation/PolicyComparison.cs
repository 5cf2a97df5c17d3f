using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Inference.Scheduling;
using ConvoCanvas.Inference.Trace;

namespace ConvoCanvas.Inference.Simulation;

/// <summary>The comparison the web page and the REST API show: both policies on one trace, with the shipped catalogue unless another is given.</summary>
public static class PolicyComparison
{
    /// <summary>The 17-model RTX 4080 catalogue as the silo ships it (silo-config/models beside the binary).</summary>
    public static ModelCatalogue ShippedCatalogue() =>
        ModelCatalogue.Load(Path.Combine(AppContext.BaseDirectory, "silo-config", "models", "rtx4080.json"));

    /// <summary>The generated day for <paramref name="seed"/>, less requests for models the catalogue does not have.</summary>
    public static IReadOnlyList<InferenceRequest> GeneratedDay(int seed, ModelCatalogue catalogue) =>
        new DayTraceGenerator(seed).Generate().Where(r => catalogue.Find(r.Model) is not null).ToList();

    /// <summary>ConvoCanvas's policy, then Ollama's, on the same trace.</summary>
    public static IReadOnlyList<SimulationReport> Run(ModelCatalogue catalogue, IReadOnlyList<InferenceRequest> trace, int seed = 1)
    {
        var simulator = new Simulator(catalogue);
        return [simulator.Run(trace, new ConvoCanvasPolicy()), simulator.Run(trace, new OllamaDefaultPolicy(seed))];
    }
}
