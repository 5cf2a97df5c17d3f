namespace ConvoCanvas.Abstractions;

[GenerateSerializer]
public enum DocumentStatus
{
    Stored = 0,
    Skipped = 1,
    Failed = 2,
}

/// <summary>One file of a vault as the vault grain last saw it.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.VaultFileEntry")]
public sealed record VaultFileEntry(
    [property: Id(0)] string Path,
    [property: Id(1)] DocumentStatus Status,
    [property: Id(2)] string? ContentHash,
    [property: Id(3)] string? Reason,
    [property: Id(4)] DateTimeOffset SeenAt)
{
    /// <summary>Search index status of a stored note: indexed, pending, failed or skipped (null: search is off).</summary>
    [Id(5)] public string? IndexStatus { get; init; }
    /// <summary>Why the index skipped or failed it.</summary>
    [Id(6)] public string? IndexReason { get; init; }
}

[GenerateSerializer, Immutable, Alias("convocanvas.VaultStatus")]
public sealed record VaultStatus
{
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public string? Root { get; init; }
    [Id(2)] public int Documents { get; init; }
    [Id(3)] public int Skipped { get; init; }
    [Id(4)] public int Failed { get; init; }
    [Id(5)] public DateTimeOffset? LastScanAt { get; init; }
    [Id(6)] public TimeSpan? LastScanDuration { get; init; }
    [Id(7)] public bool Watching { get; init; }
    /// <summary>Every file, with its status and, for skipped or failed ones, why.</summary>
    [Id(8)] public IReadOnlyList<VaultFileEntry> Files { get; init; } = [];
    [Id(9)] public string? LastError { get; init; }
    /// <summary>Stored notes the search index reflects at their current content (null: search is off).</summary>
    [Id(10)] public int? Indexed { get; init; }
    /// <summary>Stored notes waiting for the index (new, edited, or retried after a failure).</summary>
    [Id(11)] public int? IndexPending { get; init; }
    [Id(12)] public int? IndexFailed { get; init; }
}

[GenerateSerializer, Immutable, Alias("convocanvas.VaultScanResult")]
public sealed record VaultScanResult(
    [property: Id(0)] int Created,
    [property: Id(1)] int Updated,
    [property: Id(2)] int Unchanged,
    [property: Id(3)] int Deleted,
    [property: Id(4)] int Skipped,
    [property: Id(5)] int Failed);

/// <summary>A markdown vault (an Obsidian folder) on the silo's disk, keyed by its name.</summary>
public interface IVaultGrain : IGrainWithStringKey
{
    /// <summary>Registers the folder, scans it and starts watching it.</summary>
    Task<VaultScanResult> AddAsync(string rootPath);

    /// <summary>Full rescan: creates, updates, deletes and renames become document grain calls.</summary>
    Task<VaultScanResult> ScanAsync();

    Task<VaultStatus> GetStatusAsync();
}

/// <summary>The names of every vault, so lists do not need a scan of storage.</summary>
public interface IVaultRegistryGrain : IGrainWithIntegerKey
{
    Task RegisterAsync(string name);

    Task<IReadOnlyList<string>> ListAsync();
}

/// <summary>One note of a vault, keyed <c>{vault}/{relative path}</c>.</summary>
public interface IVaultDocumentGrain : IGrainWithStringKey
{
    /// <summary>Idempotent by content hash. <paramref name="renamedFrom"/>: the note moved here from that path.</summary>
    Task<UpsertOutcome> UpsertAsync(ConvoCanvas.Ingest.Vault.VaultNote note, string? renamedFrom = null);

    /// <summary>The file is gone (deleted, or moved elsewhere). False if there was nothing to delete.</summary>
    Task<bool> DeleteAsync();

    Task<ConvoCanvas.Ingest.Vault.VaultNote?> GetAsync();

    /// <summary>The search indexer's word on this note's content.</summary>
    Task AcknowledgeIndexAsync(IndexAck ack);

    Task<IndexAck?> GetIndexAsync();
}

public static class VaultKeys
{
    /// <summary>Vault names go into grain keys and URLs: keep them plain.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && name.Trim('.').Length > 0;

    public static string Document(string vault, string path) => $"{vault}/{path}";
}
