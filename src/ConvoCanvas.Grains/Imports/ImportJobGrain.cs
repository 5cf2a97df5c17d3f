using ConvoCanvas.Abstractions;
using ConvoCanvas.Ingest.Model;
using Microsoft.Extensions.Logging;

namespace ConvoCanvas.Grains.Imports;

[GenerateSerializer, Alias("convocanvas.ImportJobState")]
public sealed class ImportJobState
{
    [Id(0)] public ImportSummary? Summary { get; set; }
}

public sealed class ImportJobGrain(
    [PersistentState("import-job", ProviderNames.Storage)] IPersistentState<ImportJobState> state,
    TimeProvider time,
    ILogger<ImportJobGrain> logger) : Grain, IImportJobGrain
{
    /// <summary>Enough errors to act on; the rest are counted so a broken 10,000-item export stays small.</summary>
    internal const int MaxKeptErrors = 500;

    private ImportSummary Summary => state.State.Summary
        ?? throw new InvalidOperationException($"import job '{this.GetPrimaryKeyString()}' was never started");

    public async Task StartAsync(string description, long bytesTotal)
    {
        if (state.State.Summary is not null)
        {
            return;
        }
        state.State.Summary = new ImportSummary
        {
            JobId = this.GetPrimaryKeyString(),
            Description = description,
            BytesTotal = bytesTotal,
            StartedAt = time.GetUtcNow(),
        };
        await state.WriteStateAsync();
        ImportLog.Started(logger, this.GetPrimaryKeyString(), description);
    }

    public async Task<ImportSummary> AddBatchAsync(IReadOnlyList<Conversation> conversations, IReadOnlyList<ImportError> errors, ImportProgress progress)
    {
        var summary = Summary;
        var outcomes = await Task.WhenAll(conversations.Select(UpsertOneAsync));

        var newErrors = errors.Concat(outcomes.Where(o => o.Error is not null).Select(o => o.Error!)).ToList();
        var kept = summary.Errors.Concat(newErrors).Take(MaxKeptErrors).ToList();
        summary = summary with
        {
            New = summary.New + outcomes.Count(o => o.Outcome == UpsertOutcome.Created),
            Updated = summary.Updated + outcomes.Count(o => o.Outcome == UpsertOutcome.Updated),
            Unchanged = summary.Unchanged + outcomes.Count(o => o.Outcome == UpsertOutcome.Unchanged),
            // Each error is one thing that did not import: a conversation, a session line, or a whole unreadable file.
            Failed = summary.Failed + newErrors.Count,
            Messages = summary.Messages + outcomes.Where(o => o.Error is null).Sum(o => (long)o.Messages),
            Errors = kept,
            ErrorsNotKept = summary.ErrorsNotKept + Math.Max(0, summary.Errors.Count + newErrors.Count - kept.Count),
            BytesDone = Math.Max(summary.BytesDone, progress.BytesDone),
            BytesTotal = Math.Max(summary.BytesTotal, progress.BytesTotal),
        };
        state.State.Summary = summary;
        await state.WriteStateAsync();
        return summary;
    }

    public async Task<ImportSummary> CompleteAsync(int skippedFiles)
    {
        var summary = Summary with
        {
            Status = ImportStatus.Completed,
            FinishedAt = time.GetUtcNow(),
            SkippedFiles = skippedFiles,
        };
        summary = summary with { BytesDone = summary.BytesTotal };
        state.State.Summary = summary;
        await state.WriteStateAsync();
        ImportLog.Completed(logger, summary.JobId, summary.New, summary.Updated, summary.Unchanged, summary.Failed);
        return summary;
    }

    public Task<ImportSummary> GetAsync() => Task.FromResult(Summary);

    private async Task<(UpsertOutcome? Outcome, int Messages, ImportError? Error)> UpsertOneAsync(Conversation conversation)
    {
        try
        {
            var outcome = await GrainFactory.GetGrain<IConversationGrain>(conversation.Id).UpsertAsync(conversation);
            return (outcome, conversation.Messages.Count, null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ImportLog.UpsertFailed(logger, ex, conversation.Id);
            return (null, 0, new ImportError(Summary.Description, $"conversation {conversation.Id} ('{conversation.Title}')", $"could not be stored: {ex.Message}"));
        }
    }
}

internal static partial class ImportLog
{
    [LoggerMessage(1, LogLevel.Information, "Import {JobId} started: {Description}")]
    public static partial void Started(ILogger logger, string jobId, string description);

    [LoggerMessage(2, LogLevel.Information, "Import {JobId} completed: {New} new, {Updated} updated, {Unchanged} unchanged, {Failed} failed")]
    public static partial void Completed(ILogger logger, string jobId, int @new, int updated, int unchanged, int failed);

    [LoggerMessage(3, LogLevel.Warning, "Conversation {Id} could not be stored")]
    public static partial void UpsertFailed(ILogger logger, Exception exception, string id);
}
