using ConvoCanvas.Inference.Catalogue;

namespace ConvoCanvas.Inference.Ollama;

/// <summary>What was measured of a model in this installation: loads, speeds, and the VRAM Ollama reported.</summary>
public sealed record ModelMeasurement
{
    public double? LoadSeconds { get; init; }
    public double? TokensPerSecond { get; init; }
    public double? PromptTokensPerSecond { get; init; }

    /// <summary>Ollama's <c>size_vram</c> for the model loaded with <see cref="NumCtx"/>.</summary>
    public long? VramBytes { get; init; }

    public int? NumCtx { get; init; }
}

/// <summary>
/// The scheduler's catalogue for the models really installed: sizes and KV-cache widths from Ollama
/// (<c>/api/tags</c>, <c>/api/show</c>), load times and speeds from what was measured here, else from the
/// shipped catalogue (silo-config/models), else estimated from the file size; the overhead corrected
/// by the VRAM Ollama reported once the model was loaded.
/// </summary>
public static class FleetCatalogue
{
    /// <summary>Disk to VRAM, for a model nobody has measured: about 2 GB/s from an NVMe drive, plus half a second of start-up.</summary>
    public const double LoadBytesPerSecond = 2e9;

    /// <summary>Generation reads every weight once per token; an RTX 4080 moves about 500 GB/s in practice.</summary>
    public const double WeightBytesPerSecond = 500e9;

    /// <summary>For a model whose architecture numbers /api/show did not give: a 7–8B model with grouped-query attention.</summary>
    public const long DefaultKvBytesPerToken = 131_072;

    public static ModelCatalogue Build(
        GpuSpec gpu,
        IEnumerable<ModelFacts> installed,
        ModelCatalogue? known,
        IReadOnlyDictionary<string, ModelMeasurement> measured,
        IReadOnlySet<string> pinned)
    {
        var specs = new List<ModelSpec>();
        foreach (var facts in installed.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var shipped = known?.Find(facts.Name);
            measured.TryGetValue(facts.Name, out var seen);
            var fileBytes = facts.SizeBytes > 0 ? facts.SizeBytes : shipped?.FileBytes ?? 1;
            var kv = facts.KvBytesPerToken > 0 ? facts.KvBytesPerToken : shipped?.KvBytesPerToken ?? DefaultKvBytesPerToken;
            var overhead = shipped?.OverheadBytes ?? ModelSpec.DefaultOverheadBytes;
            if (seen is { VramBytes: { } vram and > 0, NumCtx: { } ctx })
            {
                // What Ollama really took, less weights and KV cache, is this model's overhead here.
                overhead = Math.Max(0, vram - fileBytes - kv * (long)ctx);
            }
            var generates = facts.Generates;
            specs.Add(new ModelSpec(
                facts.Name,
                fileBytes,
                kv,
                Positive(seen?.LoadSeconds) ?? shipped?.LoadSeconds ?? 0.5 + fileBytes / LoadBytesPerSecond,
                Positive(seen?.PromptTokensPerSecond) ?? shipped?.PromptTokensPerSecond ?? 2_000,
                generates ? Positive(seen?.TokensPerSecond) ?? Positive(shipped?.TokensPerSecond) ?? WeightBytesPerSecond / fileBytes : 0,
                overhead,
                facts.ContextLength > 0 ? facts.ContextLength : shipped?.ContextLength ?? 0,
                pinned.Contains(facts.Name)));
        }
        return new ModelCatalogue(gpu, specs);
    }

    private static double? Positive(double? value) => value is > 0 ? value : null;
}
