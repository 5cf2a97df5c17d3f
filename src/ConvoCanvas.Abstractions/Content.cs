namespace ConvoCanvas.Abstractions;

/// <summary>A question to answer from the notes and conversations, with citations.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.AskRequest")]
public sealed record AskRequest
{
    public const int MaxQuestionCharacters = 2_000;

    [Id(0)] public required string Question { get; init; }
    /// <summary>The router's task kind for the model (<c>chat</c> by default, or <c>summarise</c>, <c>reasoning</c>…).</summary>
    [Id(1)] public string? Kind { get; init; }
    /// <summary>A model by name instead of the router's choice.</summary>
    [Id(2)] public string? Model { get; init; }
    /// <summary>Only this vault's notes (and no conversations).</summary>
    [Id(3)] public string? Vault { get; init; }
    /// <summary><c>note</c> or <c>conversation</c>; null for both.</summary>
    [Id(4)] public string? SourceKind { get; init; }
    /// <summary>How many passages of evidence to give the model (1 to 12).</summary>
    [Id(5)] public int Evidence { get; init; } = 6;
    [Id(6)] public int? MaxTokens { get; init; }
    /// <summary>Who asks (the CLI, the web), for the GPU page's lease list.</summary>
    [Id(7)] public string? Caller { get; init; }
}

/// <summary>
/// One event of an answer as it streams: <c>evidence</c> (the numbered sources, first), then the model's
/// <c>routed</c>/<c>queued</c>/<c>started</c>, <c>token</c>s of cleaned text, and <c>done</c> with the final
/// answer and the citations it kept.
/// </summary>
[GenerateSerializer, Immutable, Alias("convocanvas.AskEvent")]
public sealed record AskEvent
{
    public const string EvidenceFound = "evidence";
    public const string Token = "token";
    public const string Done = "done";

    /// <summary>Answer kinds: written by a model; quoted from the evidence because no model could; none, for want of evidence.</summary>
    public const string ByModel = "model";
    public const string Extractive = "extractive";
    public const string NoEvidence = "none";

    [Id(0)] public required string Type { get; init; }
    /// <summary>For <c>token</c>: the next piece of the answer, citations already checked.</summary>
    [Id(1)] public string? Text { get; init; }
    /// <summary>For <c>evidence</c>: the sources, the first being [1].</summary>
    [Id(2)] public IReadOnlyList<SearchHitView> Evidence { get; init; } = [];
    [Id(3)] public string? Model { get; init; }
    /// <summary>For <c>done</c>: the whole answer, final (what the tokens add up to, unless a last check removed more).</summary>
    [Id(4)] public string? Answer { get; init; }
    /// <summary>For <c>done</c>: <see cref="ByModel"/>, <see cref="Extractive"/> or <see cref="NoEvidence"/>.</summary>
    [Id(5)] public string? AnswerKind { get; init; }
    /// <summary>For <c>done</c>: the evidence numbers the answer cites, in the order first cited.</summary>
    [Id(6)] public IReadOnlyList<int> Citations { get; init; } = [];
    /// <summary>For <c>done</c>: citations removed because they pointed at no evidence.</summary>
    [Id(7)] public int RemovedCitations { get; init; }
    [Id(8)] public GenerationStatsView? Stats { get; init; }
    /// <summary>Why this model (<c>routed</c>), why no model (<c>done</c> of an extractive answer), or a search warning.</summary>
    [Id(9)] public string? Detail { get; init; }
    /// <summary>For <c>queued</c>: requests ahead.</summary>
    [Id(10)] public int? QueuePosition { get; init; }
}

/// <summary>Answers questions from the notes and conversations with checked citations. A stateless worker.</summary>
public interface IAskGrain : IGrainWithIntegerKey
{
    IAsyncEnumerable<AskEvent> AskAsync(AskRequest request, CancellationToken cancellationToken = default);
}
