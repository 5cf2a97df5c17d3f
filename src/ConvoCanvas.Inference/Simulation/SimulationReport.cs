using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConvoCanvas.Inference.Simulation;

/// <summary>Percentiles of a wait, in milliseconds.</summary>
public sealed record WaitPercentiles(double P50, double P95, double P99);

/// <summary>
/// What one policy did with one trace. Serialised in snake_case:
/// <c>{"policy","requests","interactive_wait_ms":{"p50","p95","p99"},"batch_makespan_s","loads","evictions","gb_loaded","gpu_idle_pct","overcommits","unserved",…}</c>.
/// </summary>
/// <param name="InteractiveWaitMs">from arrival until the request starts running on its model (queueing, loads, the runner's own queue).</param>
/// <param name="BatchMakespanS">from the first batch request's arrival to the last one's completion (0 without batch requests).</param>
/// <param name="BackgroundMakespanS">the same for background requests.</param>
/// <param name="Loads">model loads, reloads for another num_ctx and preloads included.</param>
/// <param name="Preloads">of the loads, those no request waited for (the policy loaded the model ahead of demand).</param>
/// <param name="Evictions">unloads to make room or to change num_ctx (keep_alive expiries are counted apart).</param>
/// <param name="GbLoaded">weights read into VRAM, in GB (10^9 bytes).</param>
/// <param name="GpuIdlePct">of the time with work waiting or running, the share in which no request was running (loads, head-of-line blocking).</param>
/// <param name="Overcommits">loads after which the loaded set's true VRAM exceeded the card.</param>
/// <param name="Unserved">requests refused (a full queue, a request that can never fit) or never finished.</param>
/// <param name="Decisions">decisions the policy took (dispatches, loads, unloads, refusals).</param>
/// <param name="DecisionsPerSecond">how fast the policy decides: decisions asked of it per second of its own CPU time.</param>
public sealed record SimulationReport(
    string Policy,
    int Requests,
    WaitPercentiles InteractiveWaitMs,
    double BatchMakespanS,
    int Loads,
    int Evictions,
    double GbLoaded,
    double GpuIdlePct,
    int Overcommits,
    int Unserved,
    int Served,
    int Expiries,
    double BackgroundMakespanS,
    WaitPercentiles BatchWaitMs,
    double MaxBatchWaitS,
    long Decisions,
    double DecisionsPerSecond,
    double SimulatedSeconds,
    int Preloads = 0)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
