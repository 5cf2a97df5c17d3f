using ConvoCanvas.Abstractions;
using ConvoCanvas.Ingest.Vault;
using ConvoCanvas.Search.Index;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ConvoCanvas.Grains.Vaults;

public sealed class VaultOptions
{
    /// <summary>Full rescan on a reminder, in case the file watcher missed something (network drives, sleep).</summary>
    public TimeSpan RescanPeriod { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Editors write a file in bursts; wait this long after the last change before rescanning.</summary>
    public TimeSpan WatchDebounce { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many document grains one scan updates at once.</summary>
    public int Parallelism { get; set; } = 32;
}

[GenerateSerializer, Alias("convocanvas.VaultState")]
public sealed class VaultState
{
    [Id(0)] public string? Root { get; set; }
    [Id(1)] public Dictionary<string, VaultFileEntry> Files { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public DateTimeOffset? LastScanAt { get; set; }
    [Id(3)] public TimeSpan? LastScanDuration { get; set; }
    [Id(4)] public string? LastError { get; set; }
}

/// <summary>
/// Scans a vault folder, diffs it against its manifest and drives the document grains; watches the
/// folder while active, and a reminder brings it back (and rescans) after a restart.
/// Reentrant so status answers during a scan; scans themselves never overlap (one in flight, shared).
/// </summary>
[Reentrant]
public sealed class VaultGrain(
    [PersistentState("vault", ProviderNames.Storage)] IPersistentState<VaultState> state,
    IOptions<VaultOptions> options,
    TimeProvider time,
    IServiceProvider services,
    ILogger<VaultGrain> logger) : Grain, IVaultGrain, IRemindable
{
    private const string RescanReminder = "rescan";
    private Task<VaultScanResult>? _scan;
    private FileSystemWatcher? _watcher;
    private IGrainTimer? _debounce;

    private string Name => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Root is { } root)
        {
            StartWatching(root);
            // Back after a restart: catch up with edits made while the silo was down, and retry
            // notes whose grains could not be stored last time. Shortly, so activation is not held up.
            this.RegisterGrainTimer(async () => await ScanAsync(), TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        }
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _watcher?.Dispose();
        _debounce?.Dispose();
        return Task.CompletedTask;
    }

    public async Task<VaultScanResult> AddAsync(string rootPath)
    {
        if (!VaultKeys.IsValidName(Name))
        {
            throw new ArgumentException($"vault name '{Name}' must be 1-64 letters, digits, '-', '_' or '.'");
        }
        var root = Path.GetFullPath(rootPath);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"vault '{Name}': folder '{root}' does not exist on the silo");
        }
        if (state.State.Root is { } existing && existing != root)
        {
            throw new InvalidOperationException($"vault '{Name}' already points at '{existing}'; choose another name");
        }
        state.State.Root = root;
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IVaultRegistryGrain>(0).RegisterAsync(Name);
        await this.RegisterOrUpdateReminder(RescanReminder, options.Value.RescanPeriod, options.Value.RescanPeriod);
        StartWatching(root);
        return await ScanAsync();
    }

    public Task<VaultScanResult> ScanAsync()
    {
        if (state.State.Root is null)
        {
            throw new InvalidOperationException($"no vault '{Name}' (add it first)");
        }
        // One scan at a time; callers during a scan share its result.
        if (_scan is null || _scan.IsCompleted)
        {
            _scan = RunScanAsync(state.State.Root);
        }
        return _scan;
    }

    public async Task<VaultStatus> GetStatusAsync()
    {
        var files = state.State.Files.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        var status = new VaultStatus
        {
            Name = Name,
            Root = state.State.Root,
            Documents = files.Count(f => f.Status == DocumentStatus.Stored),
            Skipped = files.Count(f => f.Status == DocumentStatus.Skipped),
            Failed = files.Count(f => f.Status == DocumentStatus.Failed),
            LastScanAt = state.State.LastScanAt,
            LastScanDuration = state.State.LastScanDuration,
            Watching = _watcher is not null,
            Files = files,
            LastError = state.State.LastError,
        };
        return services.GetService<KeywordIndex>() is { } index ? await WithIndexCoverageAsync(status, index) : status;
    }

    /// <summary>Each file's search index status: the coverage report (indexed, pending, failed, skipped, and why).</summary>
    private async Task<VaultStatus> WithIndexCoverageAsync(VaultStatus status, KeywordIndex index)
    {
        var states = new Dictionary<string, IndexedSourceState>(StringComparer.Ordinal);
        await foreach (var s in index.ListStatesAsync(kind: "note", vault: Name))
        {
            states[s.Path ?? ""] = s;
        }
        var files = status.Files.Select(file =>
        {
            if (file.Status != DocumentStatus.Stored)
            {
                return file with { IndexStatus = IndexStatuses.Skipped, IndexReason = file.Reason ?? "not a note" };
            }
            if (!states.TryGetValue(file.Path, out var s))
            {
                return file with { IndexStatus = IndexStatuses.Pending };
            }
            if (s.ContentHash == file.ContentHash && s.PendingChunks is null)
            {
                return file with { IndexStatus = s.Status, IndexReason = s.Reason };
            }
            return s.Status == IndexStatuses.Failed
                ? file with { IndexStatus = IndexStatuses.Failed, IndexReason = s.Reason }
                : file with { IndexStatus = IndexStatuses.Pending };
        }).ToList();
        var stored = files.Where(f => f.Status == DocumentStatus.Stored).ToList();
        return status with
        {
            Files = files,
            Indexed = stored.Count(f => f.IndexStatus is IndexStatuses.Indexed or IndexStatuses.Skipped),
            IndexPending = stored.Count(f => f.IndexStatus == IndexStatuses.Pending),
            IndexFailed = stored.Count(f => f.IndexStatus == IndexStatuses.Failed),
        };
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == RescanReminder && state.State.Root is not null)
        {
            await ScanAsync();
        }
    }

    private async Task<VaultScanResult> RunScanAsync(string root)
    {
        var started = time.GetTimestamp();
        // Reading and hashing files is work this grain does not own the pace of: off the scheduler.
        var entries = await Task.Run(() => new VaultScanner().Scan(root).ToList());
        var now = time.GetUtcNow();

        var previous = state.State.Files.Values.Where(f => f.Status == DocumentStatus.Stored && f.ContentHash is not null)
            .ToDictionary(f => f.Path, f => f.ContentHash!, StringComparer.Ordinal);
        var notes = entries.Where(e => e.Kind == VaultEntryKind.Parsed && e.Note is not null).Select(e => e.Note!).ToList();
        var diff = VaultDiff.Compute(previous, notes);

        async Task Apply(Func<Task> call, string path)
        {
            try
            {
                await call();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                VaultLog.DocumentFailed(logger, ex, Name, path);
                entries.Add(new VaultScanEntry(VaultEntryKind.Failed, path, Reason: $"could not be stored: {ex.Message}"));
            }
        }
        var work = new List<(Func<Task> Call, string Path)>();
        work.AddRange(diff.Created.Concat(diff.Updated).Select(n => ((Func<Task>)(() => Document(n.Path).UpsertAsync(n)), n.Path)));
        work.AddRange(diff.Renamed.Select(r => ((Func<Task>)(async () =>
        {
            await Document(r.To.Path).UpsertAsync(r.To, renamedFrom: r.From);
            await Document(r.From).DeleteAsync();
        }), r.To.Path)));
        work.AddRange(diff.Deleted.Select(path => ((Func<Task>)(() => Document(path).DeleteAsync()), path)));
        // Grain calls must start on this activation's scheduler (not the thread pool), so chunk them here.
        foreach (var chunk in work.Chunk(options.Value.Parallelism))
        {
            await Task.WhenAll(chunk.Select(item => Apply(item.Call, item.Path)));
        }

        var failedPaths = entries.Where(e => e.Kind == VaultEntryKind.Failed).Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
        state.State.Files = entries
            .GroupBy(e => e.Path, StringComparer.Ordinal)
            .Select(g => g.Last())
            .ToDictionary(e => e.Path, e => e.Kind switch
            {
                VaultEntryKind.Parsed when !failedPaths.Contains(e.Path) => new VaultFileEntry(e.Path, DocumentStatus.Stored, e.Note!.ContentHash, e.Note.Warnings.Count > 0 ? string.Join("; ", e.Note.Warnings) : null, now),
                VaultEntryKind.Skipped => new VaultFileEntry(e.Path, DocumentStatus.Skipped, null, e.Reason, now),
                _ => new VaultFileEntry(e.Path, DocumentStatus.Failed, null, e.Reason ?? "failed", now),
            }, StringComparer.Ordinal);
        state.State.LastScanAt = now;
        state.State.LastScanDuration = time.GetElapsedTime(started);
        state.State.LastError = null;
        await state.WriteStateAsync();

        var result = new VaultScanResult(
            diff.Created.Count, diff.Updated.Count, diff.Unchanged.Count, diff.Deleted.Count,
            state.State.Files.Values.Count(f => f.Status == DocumentStatus.Skipped),
            state.State.Files.Values.Count(f => f.Status == DocumentStatus.Failed));
        VaultLog.Scanned(logger, Name, result.Created, result.Updated, result.Unchanged, result.Deleted, diff.Renamed.Count, result.Failed);
        return result;
    }

    private IVaultDocumentGrain Document(string path) => GrainFactory.GetGrain<IVaultDocumentGrain>(VaultKeys.Document(Name, path));

    private void StartWatching(string root)
    {
        if (_watcher is not null || !Directory.Exists(root))
        {
            return;
        }
        try
        {
            _watcher = new FileSystemWatcher(root)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            // The watcher calls back on a pool thread; the debounce timer re-enters the grain properly.
            FileSystemEventHandler changed = (_, _) => _debounce?.Change(options.Value.WatchDebounce, Timeout.InfiniteTimeSpan);
            _watcher.Created += changed;
            _watcher.Changed += changed;
            _watcher.Deleted += changed;
            _watcher.Renamed += (_, _) => _debounce?.Change(options.Value.WatchDebounce, Timeout.InfiniteTimeSpan);
            _debounce = this.RegisterGrainTimer(async () => await ScanAsync(), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            // Too many inotify watches, a vanished folder: the reminder's rescans still keep the vault in sync.
            VaultLog.WatchFailed(logger, ex, Name, root);
            _watcher?.Dispose();
            _watcher = null;
        }
    }
}

internal static partial class VaultLog
{
    [LoggerMessage(1, LogLevel.Information, "Vault {Vault} scanned: {Created} created, {Updated} updated, {Unchanged} unchanged, {Deleted} deleted, {Renamed} renamed, {Failed} failed")]
    public static partial void Scanned(ILogger logger, string vault, int created, int updated, int unchanged, int deleted, int renamed, int failed);

    [LoggerMessage(2, LogLevel.Warning, "Vault {Vault}: document {Path} could not be stored")]
    public static partial void DocumentFailed(ILogger logger, Exception exception, string vault, string path);

    [LoggerMessage(3, LogLevel.Warning, "Vault {Vault}: cannot watch {Root}; relying on periodic rescans")]
    public static partial void WatchFailed(ILogger logger, Exception exception, string vault, string root);
}
