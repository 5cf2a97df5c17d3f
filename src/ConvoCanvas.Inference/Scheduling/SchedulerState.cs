using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Inference.Trace;

namespace ConvoCanvas.Inference.Scheduling;

/// <summary>A model in VRAM (or being loaded into it), as the scheduler sees it.</summary>
public sealed class LoadedModel(ModelSpec spec, int numCtx, double loadedAt)
{
    public ModelSpec Spec { get; } = spec;

    public string Name => Spec.Name;

    /// <summary>The context it was loaded with; requests with a num_ctx up to this run without a reload.</summary>
    public int NumCtx { get; } = numCtx;

    /// <summary>Its VRAM estimate at <see cref="NumCtx"/>.</summary>
    public long VramBytes { get; } = VramEstimate.Of(spec, numCtx).TotalBytes;

    /// <summary>False while it loads.</summary>
    public bool Ready { get; set; }

    /// <summary>Requests handed to its runner and not finished (running or waiting in the runner).</summary>
    public int Assigned { get; set; }

    /// <summary>When <see cref="Assigned"/> last fell to 0 (or when it finished loading).</summary>
    public double IdleSince { get; set; } = loadedAt;

    public double LoadedAt { get; } = loadedAt;

    public bool Idle => Ready && Assigned == 0;
}

/// <summary>A request waiting for the scheduler (not yet handed to a model's runner).</summary>
public sealed record PendingRequest(InferenceRequest Request, double EnqueuedAt)
{
    public string Model => Request.Model;

    public Priority Priority => Request.Priority;

    public int NumCtx => Request.NumCtx;
}

/// <summary>
/// Everything a policy decides from: the clock (seconds), the catalogue and its VRAM budget, the
/// loaded set, the queue in arrival order, and whether a load is under way. The simulator keeps it
/// current; the GPU scheduler grain will fill the same object from its state and Ollama's answers.
/// </summary>
public sealed class SchedulerState(ModelCatalogue catalogue)
{
    private readonly List<LoadedModel> _loaded = [];
    private readonly List<PendingRequest> _queue = [];

    /// <summary>Replaced by the GPU scheduler grain when installed models, pins or measurements change.</summary>
    public ModelCatalogue Catalogue { get; set; } = catalogue;

    public double Now { get; set; }

    public long BudgetBytes => Catalogue.Gpu.BudgetBytes;

    public IReadOnlyList<LoadedModel> Loaded => _loaded;

    public IReadOnlyList<PendingRequest> Queue => _queue;

    /// <summary>A load is under way (both policies load one model at a time: the disk and the PCIe bus are shared).</summary>
    public bool LoadInFlight => _loaded.Any(m => !m.Ready);

    public long LoadedBytes => _loaded.Sum(m => m.VramBytes);

    public LoadedModel? FindLoaded(string model)
    {
        foreach (var m in _loaded)
        {
            if (m.Name == model)
            {
                return m;
            }
        }
        return null;
    }

    public void AddLoaded(LoadedModel model) => _loaded.Add(model);

    public void RemoveLoaded(LoadedModel model) => _loaded.Remove(model);

    public void Enqueue(PendingRequest request) => _queue.Add(request);

    public void Dequeue(PendingRequest request) => _queue.Remove(request);
}
