using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Inference.Trace;

namespace ConvoCanvas.Inference.Tests;

/// <summary>Small catalogues with round numbers, and the shipped one.</summary>
internal static class TestCatalogues
{
    public const long Gb = 1_000_000_000;

    public static string Shipped => Path.Combine(Root(), "silo-config", "models", "rtx4080.json");

    /// <summary>A model of <paramref name="gb"/> GB with 1 kB of KV per token, no overhead, 1 s to load, 1,000 prompt and 100 output tokens/s.</summary>
    public static ModelSpec Model(string name, double gb, double loadSeconds = 1, bool pinned = false) =>
        new(name, (long)(gb * Gb), 1_000, loadSeconds, 1_000, 100, OverheadBytes: 0, Pinned: pinned);

    public static ModelCatalogue Card(double gb, params ModelSpec[] models) => new(new GpuSpec("test card", (long)(gb * Gb)), models);

    public static InferenceRequest Request(int id, double seconds, string model, Priority priority = Priority.Interactive, int prompt = 1_000, int output = 100, int numCtx = 2_000) =>
        new(id, (long)(seconds * 1000), model, priority, prompt, output, numCtx);

    private static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ConvoCanvas.Grains.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("the repository root is not above " + AppContext.BaseDirectory);
    }
}
