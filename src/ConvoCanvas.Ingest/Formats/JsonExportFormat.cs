using System.Text.Json;
using ConvoCanvas.Ingest.Json;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Formats;

/// <summary>
/// What the JSON export formats share: claiming by the fields of the first conversation, streaming
/// each file one conversation at a time, and turning a failure into an error for that conversation
/// only, so one broken conversation never stops an import.
/// </summary>
public abstract class JsonExportFormat : IExportFormat
{
    public abstract string Source { get; }

    /// <summary>The user-facing name of the format in error messages.</summary>
    protected abstract string DisplayName { get; }

    public bool Claims(ExportFile file, ReadOnlySpan<byte> head)
    {
        // Other formats (Claude Code's .jsonl) hold JSON objects too; these exports are always .json.
        if (!file.FileName.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var info = JsonHead.Inspect(head, isWholeFile: head.Length >= file.Length);
        return info.Kind is JsonHeadKind.Array or JsonHeadKind.Object && Claims(info);
    }

    /// <summary>Decides from the first conversation's field names.</summary>
    protected abstract bool Claims(JsonHeadInfo head);

    /// <summary>Parses one conversation; throws <see cref="ConversationProblem"/> when it cannot be imported.</summary>
    protected abstract Conversation Parse(JsonElement element, ParseContext context);

    public IEnumerable<ImportItem> Read(IReadOnlyList<ExportFile> files, ImportOptions options, CancellationToken cancellationToken)
    {
        // Sorted so the parts of a split export come in order and re-imports run alike.
        foreach (var file in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            foreach (var item in ReadFile(file, options, cancellationToken))
            {
                yield return item;
            }
        }
    }

    private IEnumerable<ImportItem> ReadFile(ExportFile file, ImportOptions options, CancellationToken cancellationToken)
    {
        Stream stream;
        string? openError = null;
        try
        {
            stream = file.Open();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            stream = Stream.Null;
            openError = ex.Message;
        }
        if (openError is not null)
        {
            yield return ImportItem.Failed(file.Path, "file", $"could not open the {DisplayName} export: {openError}");
            yield break;
        }

        using (stream)
        {
            foreach (var element in JsonElementStream.Read(stream, options, cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (element.Error is not null)
                {
                    yield return ImportItem.Failed(file.Path, ItemName(element.Index, element.TitleHint, element.IsSingleObject), element.Error);
                    continue;
                }
                yield return ParseOne(file, element, options);
            }
        }
    }

    private ImportItem ParseOne(ExportFile file, StreamedElement streamed, ImportOptions options)
    {
        var element = streamed.Element;
        var title = element.ValueKind == JsonValueKind.Object ? TitleOf(element) : null;
        var item = ItemName(streamed.Index, title, streamed.IsSingleObject);
        if (element.ValueKind != JsonValueKind.Object)
        {
            return ImportItem.Failed(file.Path, item, $"expected a {DisplayName} conversation object, found {element.ValueKind.ToString().ToLowerInvariant()}");
        }
        try
        {
            return ImportItem.Of(Parse(element, new ParseContext(file, streamed.Index, options)));
        }
        catch (ConversationProblem problem)
        {
            return ImportItem.Failed(file.Path, item, problem.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or JsonException or ArgumentException or OverflowException or TimeoutException)
        {
            // Left-over type mismatches and invalid UTF-8 inside strings land here.
            return ImportItem.Failed(file.Path, item, $"unreadable {DisplayName} conversation: {ex.Message}");
        }
    }

    /// <summary>The title as the export names it, for error messages.</summary>
    protected virtual string? TitleOf(JsonElement element) => element.Str("title") ?? element.Str("name");

    private static string ItemName(int index, string? title, bool single)
    {
        var what = single ? "conversation" : $"conversation {index}";
        return string.IsNullOrEmpty(title) ? what : $"{what} ('{Shorten(title)}')";
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}

/// <summary>What a parser needs besides the JSON: where it is, and the limits.</summary>
public sealed record ParseContext(ExportFile File, int Index, ImportOptions Options)
{
    /// <summary>Fails the conversation when one message is over the limit, naming the message.</summary>
    public void CheckMessageSize(JsonElement message, string messageId)
    {
        var size = message.RawLength();
        if (size > Options.MaxMessageBytes)
        {
            throw new ConversationProblem(
                $"message '{messageId}' is {size:N0} bytes, over the {Options.MaxMessageBytes:N0}-byte limit for one message");
        }
    }

    /// <summary>An id for a conversation the export left unnamed: a hash of its JSON, so it is the same on re-import.</summary>
    public static string DerivedConversationId(JsonElement element) => StableIds.FromBytes(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element));
}
