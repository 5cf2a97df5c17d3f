using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Abstractions;

[GenerateSerializer]
public enum ImportStatus
{
    Running = 0,
    Completed = 1,
    Failed = 2,
}

/// <summary>An import's progress and outcome; the CLI prints it as JSON, the web shows it live.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.ImportSummary")]
public sealed record ImportSummary
{
    [Id(0)] public required string JobId { get; init; }
    [Id(1)] public ImportStatus Status { get; init; }
    [Id(2)] public string Description { get; init; } = "";
    [Id(3)] public int New { get; init; }
    [Id(4)] public int Updated { get; init; }
    [Id(5)] public int Unchanged { get; init; }
    [Id(6)] public int Failed { get; init; }
    [Id(7)] public long Messages { get; init; }
    [Id(8)] public IReadOnlyList<ImportError> Errors { get; init; } = [];
    /// <summary>Errors beyond the kept list are counted, not stored.</summary>
    [Id(9)] public int ErrorsNotKept { get; init; }
    [Id(10)] public long BytesDone { get; init; }
    [Id(11)] public long BytesTotal { get; init; }
    [Id(12)] public DateTimeOffset StartedAt { get; init; }
    [Id(13)] public DateTimeOffset? FinishedAt { get; init; }
    [Id(14)] public int SkippedFiles { get; init; }
}

/// <summary>How far the reader has got, sent with each batch so progress survives a reconnect.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.ImportProgress")]
public sealed record ImportProgress(
    [property: Id(0)] long BytesDone,
    [property: Id(1)] long BytesTotal);

/// <summary>
/// One import of an export file, folder or upload. The client parses (it has the files) and
/// sends batches; the job upserts them into conversation grains and keeps the tally.
/// </summary>
public interface IImportJobGrain : IGrainWithStringKey
{
    Task StartAsync(string description, long bytesTotal);

    Task<ImportSummary> AddBatchAsync(IReadOnlyList<Conversation> conversations, IReadOnlyList<ImportError> errors, ImportProgress progress);

    Task<ImportSummary> CompleteAsync(int skippedFiles);

    Task<ImportSummary> GetAsync();
}
