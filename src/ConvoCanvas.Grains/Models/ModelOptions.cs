namespace ConvoCanvas.Grains.Models;

/// <summary>The <c>ConvoCanvas:Models</c> settings: Ollama, the GPU budget, pins, routes and the scheduler's clocks.</summary>
public sealed class ModelOptions
{
    /// <summary>Off: no Ollama is contacted and every model feature says so.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The Ollama server (CONVOCANVAS_OLLAMA).</summary>
    public string OllamaUrl { get; set; } = "http://127.0.0.1:11434";

    /// <summary>The shipped catalogue (load times and speeds of known models, and the card), relative to the silo's folder.</summary>
    public string Catalogue { get; set; } = "silo-config/models/rtx4080.json";

    /// <summary>The card's name; default the catalogue's.</summary>
    public string? GpuName { get; set; }

    /// <summary>The card's memory in bytes; default the catalogue's (an RTX 4080, 16 GB).</summary>
    public long? VramBytes { get; set; }

    /// <summary>What other programs keep on the card (a desktop, a browser); the budget is the rest.</summary>
    public long ReservedBytes { get; set; }

    /// <summary>Models never evicted once loaded (pin and unpin at run time add to this).</summary>
    public List<string> Pinned { get; set; } = [];

    /// <summary>The num_ctx of a request that does not name one.</summary>
    public int DefaultNumCtx { get; set; } = 4096;

    /// <summary>Task kind → models in order of preference; unset kinds use the router's defaults.</summary>
    public Dictionary<string, List<string>> Routes { get; set; } = [];

    /// <summary>
    /// Load the model most likely wanted next into a quiet card (see ConvoCanvasPolicy). A model unloaded
    /// by hand is not preloaded again until someone asks for it.
    /// </summary>
    public bool Preload { get; set; } = true;

    /// <summary>A stream with no token for this long is abandoned as hung.</summary>
    public double StallTimeoutSeconds { get; set; } = 60;

    /// <summary>How often /api/tags and /api/ps are compared with the scheduler's books.</summary>
    public double ReconcileSeconds { get; set; } = 15;

    /// <summary>How often liveness is checked: a one-token generation when no tokens flowed meanwhile.</summary>
    public double ProbeSeconds { get; set; } = 60;

    /// <summary>How long the one-token probe may take before Ollama is called hung.</summary>
    public double ProbeTimeoutSeconds { get; set; } = 30;

    /// <summary>A lease not renewed (its holder gone) for this long is taken back.</summary>
    public double LeaseTtlSeconds { get; set; } = 120;

    /// <summary>A queued request whose caller stopped asking for this long is dropped.</summary>
    public double TicketTimeoutSeconds { get; set; } = 20;

    public TimeSpan StallTimeout => TimeSpan.FromSeconds(StallTimeoutSeconds);
}
