using Orleans.Concurrency;
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

/// <summary>
/// Answers a question from the notes and conversations with checked citations. One activation per
/// question (a new Guid each time): a streamed answer's later calls must reach the activation that
/// holds it, which a stateless worker cannot promise.
/// </summary>
public interface IAskGrain : IGrainWithGuidKey
{
    IAsyncEnumerable<AskEvent> AskAsync(AskRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What a series is planned from: a topic, optional dates, how many episodes, optionally one vault.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.SeriesPlanRequest")]
public sealed record SeriesPlanRequest
{
    [Id(0)] public required string Topic { get; init; }
    [Id(1)] public DateTimeOffset? From { get; init; }
    /// <summary>The last day, whole: a date alone (midnight) counts to the end of that day.</summary>
    [Id(2)] public DateTimeOffset? To { get; init; }
    [Id(3)] public int Episodes { get; init; } = 8;
    /// <summary>Only this vault's notes (the conversations still count).</summary>
    [Id(4)] public string? Vault { get; init; }
    /// <summary>How many notes and conversations search may bring (at most 100).</summary>
    [Id(5)] public int MaxSources { get; init; } = 100;
    /// <summary>Plan over a series of another topic that has the same slug (its drafts become history).</summary>
    [Id(6)] public bool Replace { get; init; }
}

/// <summary>Which episodes to draft, and whether to ask a model (else, or when none can, the extractive draft).</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.SeriesDraftRequest")]
public sealed record SeriesDraftRequest
{
    /// <summary>One episode, or null for all.</summary>
    [Id(0)] public int? Episode { get; init; }
    [Id(1)] public bool UseModel { get; init; } = true;
    /// <summary>The router's task kind (<c>summarise</c> by default).</summary>
    [Id(2)] public string? Kind { get; init; }
    [Id(3)] public string? Model { get; init; }
}

/// <summary>Drafting or posting under way (or last done) for a series: progress for the CLI's bar and the page.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.SeriesJobView")]
public sealed record SeriesJobView
{
    /// <summary><c>draft</c> or <c>posts</c>.</summary>
    [Id(0)] public required string Kind { get; init; }
    [Id(1)] public bool Running { get; init; }
    [Id(2)] public int Done { get; init; }
    [Id(3)] public int Total { get; init; }
    /// <summary>What it works on now ("episode 3: …").</summary>
    [Id(4)] public string? Current { get; init; }
    [Id(5)] public IReadOnlyList<string> Problems { get; init; } = [];
    [Id(6)] public int ModelCalls { get; init; }
    [Id(7)] public int PromptTokens { get; init; }
    [Id(8)] public int OutputTokens { get; init; }
    [Id(9)] public DateTimeOffset StartedAt { get; init; }
    [Id(10)] public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>Why the job failed (or was cut off by a restart); null when it did its work.</summary>
    [Id(11)] public string? Error { get; init; }
}

/// <summary>A series as its page shows it: the plan, each episode's latest draft, the posts, the job under way.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.SeriesView")]
public sealed record SeriesView
{
    [Id(0)] public required ConvoCanvas.Content.Series.SeriesPlan Plan { get; init; }
    /// <summary>The latest draft of each drafted episode.</summary>
    [Id(1)] public IReadOnlyList<ConvoCanvas.Content.Series.EpisodeDraft> Latest { get; init; } = [];
    /// <summary>Drafts kept per episode (every version).</summary>
    [Id(2)] public Dictionary<int, int> Versions { get; init; } = [];
    [Id(3)] public ConvoCanvas.Content.Series.SeriesPosts? Posts { get; init; }
    [Id(4)] public SeriesJobView? Job { get; init; }
    /// <summary>Goes up whenever the series is written; <see cref="IBlogSeriesGrain.WatchAsync"/> waits for it to pass a value.</summary>
    [Id(5)] public long Version { get; init; }
}

/// <summary>A blog series (key: its slug): planned from the notes and conversations, drafted, posted, exported.</summary>
public interface IBlogSeriesGrain : IGrainWithStringKey
{
    Task<ConvoCanvas.Content.Series.SeriesPlan> PlanAsync(SeriesPlanRequest request);

    /// <summary>The plan, its drafts, its posts and the job under way; null before the series was planned.</summary>
    Task<SeriesView?> GetAsync();

    /// <summary>
    /// A long poll: the series once its <see cref="SeriesView.Version"/> passes <paramref name="afterVersion"/>
    /// (a job's progress, a new plan), or as it is after <paramref name="wait"/>. Runs beside the grain's other calls.
    /// </summary>
    [AlwaysInterleave]
    Task<SeriesView?> WatchAsync(long afterVersion, TimeSpan wait);

    /// <summary>Starts drafting the episodes asked for, one after another, and returns; <see cref="GetAsync"/> shows the progress. A re-draft keeps the earlier versions.</summary>
    Task<SeriesJobView> StartDraftAsync(SeriesDraftRequest request);

    /// <summary>Starts writing the posts (three lengths for the season and each episode; with a model when one can), and returns.</summary>
    Task<SeriesJobView> StartPostsAsync(bool useModel);

    /// <summary>The series as files (<c>hugo</c>, <c>jekyll</c> or <c>obsidian</c>), paths relative to the export folder.</summary>
    Task<IReadOnlyList<ConvoCanvas.Content.Series.ExportFile>> ExportAsync(string format);
}

/// <summary>One episode of a series (key: <c>{slug}/{n}</c>): it drafts itself, and keeps every version.</summary>
public interface IBlogEpisodeGrain : IGrainWithStringKey
{
    /// <summary>
    /// Drafts this episode of <paramref name="plan"/> as markdown, by a model through the router and the GPU
    /// scheduler at batch priority (or extractive, when no model can or none is asked for), and keeps it as
    /// the next version. A batch request can wait its turn behind interactive ones, hence the long timeout.
    /// </summary>
    [ResponseTimeout("01:00:00")]
    Task<ConvoCanvas.Content.Series.EpisodeDraft> DraftAsync(ConvoCanvas.Content.Series.SeriesPlan plan, SeriesDraftRequest request);

    /// <summary>Keeps a new draft as the next version and returns it with its version number.</summary>
    Task<ConvoCanvas.Content.Series.EpisodeDraft> AddAsync(ConvoCanvas.Content.Series.EpisodeDraft draft);

    /// <summary>Every version, oldest first; answered even while a draft is being written.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<ConvoCanvas.Content.Series.EpisodeDraft>> GetDraftsAsync();
}

/// <summary>A continuation brief to make for a conversation that overflows a window.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.BriefRequest")]
public sealed record BriefRequest
{
    [Id(0)] public required string ConversationId { get; init; }
    /// <summary>The window the brief must fit, in tokens.</summary>
    [Id(1)] public int WindowTokens { get; init; } = 8_192;
    [Id(2)] public string? Model { get; init; }
    /// <summary>The router's task kind (<c>summarise</c> by default).</summary>
    [Id(3)] public string? Kind { get; init; }
    /// <summary>False: the extractive brief, without asking a model.</summary>
    [Id(4)] public bool UseModel { get; init; } = true;
    /// <summary>
    /// The model's own window (its num_ctx): the pieces of the conversation are cut to fit it. Null: 8,192
    /// tokens, or the model's context length when that is smaller; a larger window is also held to it.
    /// </summary>
    [Id(5)] public int? ModelWindow { get; init; }
    [Id(6)] public string? Caller { get; init; }
}

/// <summary>A brief as it is made: <c>progress</c> lines, then <c>done</c> with the brief.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.BriefEvent")]
public sealed record BriefEvent
{
    public const string Progress = "progress";
    public const string Done = "done";

    [Id(0)] public required string Type { get; init; }
    /// <summary>For <c>progress</c>: what is being done.</summary>
    [Id(1)] public string? Text { get; init; }
    [Id(2)] public string? Markdown { get; init; }
    /// <summary><c>model</c> or <c>extractive</c>.</summary>
    [Id(3)] public string? Kind { get; init; }
    [Id(4)] public int Tokens { get; init; }
    [Id(5)] public int WindowTokens { get; init; }
    [Id(6)] public int Pieces { get; init; }
    [Id(7)] public int ModelCalls { get; init; }
    [Id(8)] public string? Model { get; init; }
    /// <summary>Why the brief is extractive when a model was asked for.</summary>
    [Id(9)] public string? Detail { get; init; }
}

/// <summary>Makes a continuation brief with a model by map-reduce (one activation per brief, like Ask).</summary>
public interface IBriefGrain : IGrainWithGuidKey
{
    IAsyncEnumerable<BriefEvent> BriefAsync(BriefRequest request, CancellationToken cancellationToken = default);
}
