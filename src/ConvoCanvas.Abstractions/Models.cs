namespace ConvoCanvas.Abstractions;

/// <summary>How urgent a model request is: a person waiting, a job, or work nobody waits for.</summary>
public static class ModelPriorities
{
    public const string Interactive = "interactive";
    public const string Batch = "batch";
    public const string Background = "background";

    public static readonly IReadOnlyList<string> All = [Interactive, Batch, Background];
}

/// <summary>What kind of work a request is, for the router to pick a model by.</summary>
public static class TaskKinds
{
    public const string Chat = "chat";
    public const string Code = "code";
    public const string Reasoning = "reasoning";
    public const string Summarise = "summarise";
    public const string Embed = "embed";

    public static readonly IReadOnlyList<string> All = [Chat, Code, Reasoning, Summarise, Embed];
}

/// <summary>Why a model request could not be served; the REST API maps it onto a status code.</summary>
public enum ModelProblem
{
    /// <summary>Bad request: an empty prompt, an unknown task kind or priority.</summary>
    Invalid,

    /// <summary>No such model in Ollama.</summary>
    UnknownModel,

    /// <summary>The model (at that num_ctx) is larger than the GPU budget, or nothing that fits can do the task.</summary>
    DoesNotFit,

    /// <summary>Ollama is not reachable, or model features are off.</summary>
    Unavailable,

    /// <summary>Ollama stopped answering mid-request.</summary>
    Hung,

    /// <summary>The model is busy or pinned (for unload).</summary>
    Conflict,

    /// <summary>Ollama refused or failed the request.</summary>
    Failed,
}

/// <summary>A model request that cannot be served, with a one-line reason a person can act on.</summary>
[GenerateSerializer, Alias("convocanvas.ModelRequestException")]
public sealed class ModelRequestException : Exception
{
    public ModelRequestException(ModelProblem problem, string message)
        : base(message) => Problem = problem;

    [Id(0)] public ModelProblem Problem { get; private set; }
}

[GenerateSerializer, Immutable, Alias("convocanvas.ChatMessage")]
public sealed record ChatMessage([property: Id(0)] string Role, [property: Id(1)] string Content);

/// <summary>A generation as the CLI, the REST API and the web ask for it: a model or a task kind, and a prompt or messages.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.GenerationRequest")]
public sealed record GenerationRequest
{
    /// <summary>A model by name; when null the router picks one for <see cref="Kind"/>.</summary>
    [Id(0)] public string? Model { get; init; }
    [Id(1)] public string? Kind { get; init; }
    [Id(2)] public string? Prompt { get; init; }
    [Id(3)] public IReadOnlyList<ChatMessage> Messages { get; init; } = [];
    [Id(4)] public string? System { get; init; }
    /// <summary>The context the request needs; the scheduler may run it in a larger one the model is already loaded with.</summary>
    [Id(5)] public int? NumCtx { get; init; }
    [Id(6)] public int? MaxTokens { get; init; }
    [Id(7)] public string Priority { get; init; } = ModelPriorities.Interactive;
    /// <summary>Who asks (the CLI, the web, a grain), for the GPU page's lease list.</summary>
    [Id(8)] public string? Caller { get; init; }

    /// <summary>The messages to send: <see cref="Messages"/>, or the system text and the prompt.</summary>
    public IReadOnlyList<ChatMessage> Conversation() =>
        Messages.Count > 0
            ? Messages
            : [.. System is { Length: > 0 } system ? [new ChatMessage("system", system)] : Array.Empty<ChatMessage>(), new ChatMessage("user", Prompt ?? "")];
}

/// <summary>The timing of a finished generation.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.GenerationStatsView")]
public sealed record GenerationStatsView
{
    [Id(0)] public int PromptTokens { get; init; }
    [Id(1)] public int OutputTokens { get; init; }
    [Id(2)] public double TokensPerSecond { get; init; }
    [Id(3)] public double PromptTokensPerSecond { get; init; }
    /// <summary>Seconds Ollama spent loading the model for this request (0 when it was loaded).</summary>
    [Id(4)] public double LoadSeconds { get; init; }
    [Id(5)] public double TotalSeconds { get; init; }
    /// <summary>Time in the GPU scheduler's queue, including a load it waited for.</summary>
    [Id(6)] public double QueuedMs { get; init; }
    [Id(7)] public int NumCtx { get; init; }
}

/// <summary>One event of a streamed generation: <c>routed</c>, <c>queued</c>, <c>started</c>, <c>token</c>, <c>done</c>.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.GenerationEvent")]
public sealed record GenerationEvent
{
    public const string Routed = "routed";
    public const string Queued = "queued";
    public const string Started = "started";
    public const string Token = "token";
    public const string Done = "done";

    [Id(0)] public required string Type { get; init; }
    [Id(1)] public required string Model { get; init; }
    [Id(2)] public string? Text { get; init; }
    [Id(3)] public GenerationStatsView? Stats { get; init; }
    /// <summary>For <c>queued</c>: requests ahead in the queue; for <c>routed</c>: why this model.</summary>
    [Id(4)] public int? QueuePosition { get; init; }
    [Id(5)] public string? Detail { get; init; }
}

/// <summary>A model as ConvoCanvas knows it: Ollama's facts, the catalogue's, and what was measured.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.ModelView")]
public sealed record ModelView
{
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public long SizeBytes { get; init; }
    [Id(2)] public string? Family { get; init; }
    [Id(3)] public string? ParameterSize { get; init; }
    [Id(4)] public string? Quantization { get; init; }
    [Id(5)] public int ContextLength { get; init; }
    [Id(6)] public long KvBytesPerToken { get; init; }
    [Id(7)] public IReadOnlyList<string> Capabilities { get; init; } = [];
    [Id(8)] public bool Pinned { get; init; }
    [Id(9)] public bool Loaded { get; init; }
    [Id(10)] public int? LoadedNumCtx { get; init; }
    /// <summary>Weights + KV cache at the default num_ctx + overhead, corrected by what Ollama reported once loaded.</summary>
    [Id(11)] public long VramEstimateBytes { get; init; }
    /// <summary>Ollama's <c>size_vram</c> when it was last seen loaded.</summary>
    [Id(12)] public long? VramMeasuredBytes { get; init; }
    [Id(13)] public required ModelStatsView Stats { get; init; }
    /// <summary>It does not fit the GPU budget even alone, at the default num_ctx.</summary>
    [Id(14)] public bool TooLarge { get; init; }
}

/// <summary>What a model slot measured.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.ModelStatsView")]
public sealed record ModelStatsView
{
    [Id(0)] public int Loads { get; init; }
    [Id(1)] public double LoadSecondsTotal { get; init; }
    [Id(2)] public double? LastLoadSeconds { get; init; }
    [Id(3)] public long Requests { get; init; }
    [Id(4)] public long Failures { get; init; }
    [Id(5)] public long OutputTokens { get; init; }
    [Id(6)] public double EvalSeconds { get; init; }
    [Id(7)] public long PromptTokens { get; init; }
    [Id(8)] public double PromptSeconds { get; init; }
    [Id(9)] public string? LastError { get; init; }
    [Id(10)] public long? MeasuredVramBytes { get; init; }
    [Id(11)] public int? MeasuredNumCtx { get; init; }

    public double TokensPerSecond => EvalSeconds > 0 ? OutputTokens / EvalSeconds : 0;

    public double PromptTokensPerSecond => PromptSeconds > 0 ? PromptTokens / PromptSeconds : 0;

    public double? AverageLoadSeconds => Loads > 0 ? LoadSecondsTotal / Loads : null;
}

[GenerateSerializer, Immutable, Alias("convocanvas.LoadedModelView")]
public sealed record LoadedModelView
{
    [Id(0)] public required string Model { get; init; }
    [Id(1)] public int NumCtx { get; init; }
    /// <summary>What the scheduler books for it.</summary>
    [Id(2)] public long VramBytes { get; init; }
    [Id(3)] public bool Ready { get; init; }
    [Id(4)] public bool Pinned { get; init; }
    /// <summary>Requests holding a lease on it.</summary>
    [Id(5)] public int Running { get; init; }
    [Id(6)] public double IdleSeconds { get; init; }
    /// <summary>Loaded by someone else (found in /api/ps), not by the scheduler.</summary>
    [Id(7)] public bool Outside { get; init; }
}

[GenerateSerializer, Immutable, Alias("convocanvas.LeaseView")]
public sealed record LeaseView
{
    [Id(0)] public required Guid Id { get; init; }
    [Id(1)] public required string Model { get; init; }
    [Id(2)] public required string Priority { get; init; }
    [Id(3)] public double HeldMs { get; init; }
    [Id(4)] public string? Caller { get; init; }
    [Id(5)] public int NumCtx { get; init; }
}

[GenerateSerializer, Immutable, Alias("convocanvas.QueuedRequestView")]
public sealed record QueuedRequestView
{
    [Id(0)] public required string Model { get; init; }
    [Id(1)] public required string Priority { get; init; }
    [Id(2)] public double WaitingMs { get; init; }
    [Id(3)] public int NumCtx { get; init; }
    [Id(4)] public string? Caller { get; init; }
}

/// <summary>Is Ollama there, and does it still produce tokens?</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.OllamaLivenessView")]
public sealed record OllamaLivenessView
{
    public const string Ok = "ok";
    public const string Hung = "hung";
    public const string Unreachable = "unreachable";
    public const string Unknown = "unknown";
    public const string Disabled = "disabled";

    [Id(0)] public required string Url { get; init; }
    [Id(1)] public required string State { get; init; }
    [Id(2)] public string? Detail { get; init; }
    [Id(3)] public DateTimeOffset? CheckedAt { get; init; }
    /// <summary>How long the last one-token probe took.</summary>
    [Id(4)] public double? ProbeMs { get; init; }
    [Id(5)] public string? ProbedModel { get; init; }
    [Id(6)] public DateTimeOffset? LastTokenAt { get; init; }
}

/// <summary>The GPU as the scheduler books it.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.GpuStatusView")]
public sealed record GpuStatusView
{
    [Id(0)] public required string Gpu { get; init; }
    [Id(1)] public long VramBytes { get; init; }
    [Id(2)] public long BudgetBytes { get; init; }
    [Id(3)] public long UsedBytes { get; init; }
    [Id(4)] public IReadOnlyList<LoadedModelView> Loaded { get; init; } = [];
    [Id(5)] public IReadOnlyList<LeaseView> Leases { get; init; } = [];
    [Id(6)] public IReadOnlyList<QueuedRequestView> Queue { get; init; } = [];
    [Id(7)] public string? Loading { get; init; }
    [Id(8)] public required OllamaLivenessView Ollama { get; init; }
    [Id(9)] public required string Policy { get; init; }
    [Id(10)] public long Decisions { get; init; }
    [Id(11)] public long LeasesGranted { get; init; }
    [Id(12)] public long LeasesReclaimed { get; init; }
    /// <summary>Goes up whenever the books may have changed; <see cref="IGpuSchedulerGrain.WatchAsync"/> waits for it to pass a value.</summary>
    [Id(13)] public long Version { get; init; }
}

/// <summary>A lease: the right to run one request on a loaded model, with the num_ctx it is loaded with.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.LeaseGrant")]
public sealed record LeaseGrant([property: Id(0)] Guid Id, [property: Id(1)] string Model, [property: Id(2)] int NumCtx, [property: Id(3)] double QueuedMs);

[GenerateSerializer, Immutable, Alias("convocanvas.LeaseRequest")]
public sealed record LeaseRequest
{
    /// <summary>Chosen by the caller; asking again with the same ticket waits on the same place in the queue.</summary>
    [Id(0)] public required Guid Ticket { get; init; }
    [Id(1)] public required string Model { get; init; }
    [Id(2)] public string Priority { get; init; } = ModelPriorities.Interactive;
    [Id(3)] public int? NumCtx { get; init; }
    [Id(4)] public int PromptTokens { get; init; }
    [Id(5)] public int OutputTokens { get; init; }
    [Id(6)] public string? Caller { get; init; }
}

/// <summary>How a leased request ended, for the books and the model's statistics.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.LeaseOutcome")]
public sealed record LeaseOutcome
{
    [Id(0)] public GenerationStatsView? Stats { get; init; }
    [Id(1)] public string? Error { get; init; }
    [Id(2)] public bool Hung { get; init; }
    [Id(3)] public bool Cancelled { get; init; }
}

/// <summary>Which model the router chose for a task, and why.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.RouteDecision")]
public sealed record RouteDecision([property: Id(0)] string Kind, [property: Id(1)] string Model, [property: Id(2)] string Reason);

/// <summary>One per GPU (key <c>gpu0</c>): the VRAM budget, what is loaded, leases and the queue.</summary>
public interface IGpuSchedulerGrain : IGrainWithStringKey
{
    /// <summary>Waits up to <paramref name="wait"/> for a lease; null if still queued (ask again with the same ticket).</summary>
    Task<LeaseGrant?> AcquireAsync(LeaseRequest request, TimeSpan wait);

    /// <summary>The holder is still streaming; a lease not renewed for the lease TTL is taken back.</summary>
    Task RenewAsync(Guid lease);

    Task ReleaseAsync(Guid lease, LeaseOutcome outcome);

    /// <summary>A queued caller gave up.</summary>
    Task CancelAsync(Guid ticket);

    Task<GpuStatusView> GetStatusAsync();

    /// <summary>The status once its <see cref="GpuStatusView.Version"/> is past <paramref name="afterVersion"/>, or after <paramref name="wait"/> at most: a long poll for live views.</summary>
    Task<GpuStatusView> WatchAsync(long afterVersion, TimeSpan wait);

    Task<IReadOnlyList<ModelView>> ListModelsAsync();

    Task SetPinnedAsync(string model, bool pinned);

    /// <summary>Loads the model (evicting what the policy chooses) and returns when it is loaded.</summary>
    Task LoadAsync(string model, int? numCtx);

    Task UnloadAsync(string model);

    /// <summary>Asks Ollama now: installed models, loaded models, and a one-token probe.</summary>
    Task<OllamaLivenessView> CheckAsync();

    /// <summary>Each installed model's VRAM at <paramref name="numCtx"/> and whether it fits beside the pinned ones: the router's input, and capacity planning.</summary>
    Task<IReadOnlyList<ModelFit>> FitsAsync(int? numCtx);
}

[GenerateSerializer, Immutable, Alias("convocanvas.ModelFit")]
public sealed record ModelFit(
    [property: Id(0)] string Model,
    [property: Id(1)] bool Generates,
    [property: Id(2)] bool Embeds,
    [property: Id(3)] long VramBytes,
    [property: Id(4)] bool Fits,
    [property: Id(5)] bool Loaded,
    [property: Id(6)] int NumCtx);

/// <summary>One per Ollama model (key: the model name): runs requests under the GPU scheduler's leases and keeps the model's statistics.</summary>
public interface IModelSlotGrain : IGrainWithStringKey
{
    IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, string priority);

    Task<ModelStatsView> GetStatsAsync();

    /// <summary>The scheduler reports a load it carried out (or that failed).</summary>
    Task RecordLoadAsync(double seconds, long? measuredVramBytes, int numCtx, string? error);
}

/// <summary>The supervisor: picks a model for a task kind from the configured preferences, falling back to what is installed and fits.</summary>
public interface IModelRouterGrain : IGrainWithIntegerKey
{
    Task<RouteDecision> RouteAsync(string kind, int? numCtx);
}
