namespace ConvoCanvas.Ingest.Model;

/// <summary>A problem with one item of an export; the rest of the import goes on.</summary>
/// <param name="File">The file (relative to what the user named, or inside the zip) that holds the item.</param>
/// <param name="Item">Which item: a conversation index and title, a line number, a message id.</param>
/// <param name="Reason">What is wrong, in words a user can act on.</param>
public sealed record ImportError(string File, string Item, string Reason)
{
    public override string ToString() => $"{File}: {Item}: {Reason}";
}

/// <summary>What a parser yields: a conversation, or an error for one item. Never both.</summary>
public sealed record ImportItem
{
    public Conversation? Conversation { get; private init; }
    public ImportError? Error { get; private init; }

    public static ImportItem Of(Conversation conversation) => new() { Conversation = conversation };
    public static ImportItem Failed(string file, string item, string reason) => new() { Error = new ImportError(file, item, reason) };
}

/// <summary>Limits that keep hostile or broken input contained.</summary>
public sealed record ImportOptions
{
    /// <summary>Deepest JSON nesting accepted; real exports stay well under 64.</summary>
    public int MaxJsonDepth { get; init; } = 128;
    /// <summary>A single message larger than this fails its conversation with a clear error.</summary>
    public long MaxMessageBytes { get; init; } = 8 * 1024 * 1024;
    /// <summary>A single conversation (one JSON element or one session file) larger than this fails.</summary>
    public long MaxConversationBytes { get; init; } = 256L * 1024 * 1024;
    /// <summary>Total bytes one zip may expand to.</summary>
    public long MaxZipExpandedBytes { get; init; } = 4L * 1024 * 1024 * 1024;
    /// <summary>Largest expansion ratio of one zip entry before it is treated as a bomb.</summary>
    public int MaxZipCompressionRatio { get; init; } = 200;
    public static ImportOptions Default { get; } = new();
}
