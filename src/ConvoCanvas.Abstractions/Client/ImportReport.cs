using System.Text.Json.Serialization;

namespace ConvoCanvas.Abstractions.Client;

/// <summary>
/// The import summary as the CLI prints it and POST /api/imports returns it:
/// <c>{"conversations":{"new","updated","unchanged","failed"},"messages","errors":[{"file","item","reason"}]}</c>.
/// </summary>
public sealed record ImportReport(
    [property: JsonPropertyName("conversations")] ImportReport.Counts Conversations,
    [property: JsonPropertyName("messages")] long Messages,
    [property: JsonPropertyName("errors")] IReadOnlyList<ImportReport.Error> Errors,
    [property: JsonPropertyName("errorsNotShown")] int ErrorsNotShown,
    [property: JsonPropertyName("skippedFiles")] int SkippedFiles,
    [property: JsonPropertyName("job")] string Job)
{
    public sealed record Counts(
        [property: JsonPropertyName("new")] int New,
        [property: JsonPropertyName("updated")] int Updated,
        [property: JsonPropertyName("unchanged")] int Unchanged,
        [property: JsonPropertyName("failed")] int Failed);

    public sealed record Error(
        [property: JsonPropertyName("file")] string File,
        [property: JsonPropertyName("item")] string Item,
        [property: JsonPropertyName("reason")] string Reason);

    public static ImportReport From(ImportSummary summary) => new(
        new Counts(summary.New, summary.Updated, summary.Unchanged, summary.Failed),
        summary.Messages,
        summary.Errors.Select(e => new Error(e.File, e.Item, e.Reason)).ToList(),
        summary.ErrorsNotKept,
        summary.SkippedFiles,
        summary.JobId);
}
