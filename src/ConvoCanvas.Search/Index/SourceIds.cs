namespace ConvoCanvas.Search.Index;

/// <summary>
/// Ids of indexed sources and their chunks. A source id names what it indexes
/// (<c>note:{vault}/{path}</c>, <c>conversation:{source}:{id}</c>); a chunk id is its source id
/// and ordinal, the same in ChromaDB and PostgreSQL, so re-indexing overwrites instead of adding.
/// </summary>
public static class SourceIds
{
    public const string NotePrefix = "note:";
    public const string ConversationPrefix = "conversation:";

    public static string Note(string vault, string path) => $"{NotePrefix}{vault}/{path}";

    public static string Conversation(string conversationId) => $"{ConversationPrefix}{conversationId}";

    public static string Chunk(string sourceId, int ordinal) => $"{sourceId}#{ordinal}";

    /// <summary>The conversation grain key, or the vault document grain key (<c>{vault}/{path}</c>), of a source id.</summary>
    public static string GrainKey(string sourceId) =>
        sourceId.StartsWith(NotePrefix, StringComparison.Ordinal) ? sourceId[NotePrefix.Length..]
        : sourceId.StartsWith(ConversationPrefix, StringComparison.Ordinal) ? sourceId[ConversationPrefix.Length..]
        : throw new ArgumentException($"'{sourceId}' is not a ConvoCanvas source id", nameof(sourceId));

    public static bool IsNote(string sourceId) => sourceId.StartsWith(NotePrefix, StringComparison.Ordinal);
}
