using ConvoCanvas.Abstractions;
using ConvoCanvas.Cluster.Diagrams;
using ConvoCanvas.Cluster.Model;
using ConvoCanvas.Cluster.Watching;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Streams;

namespace ConvoCanvas.Grains.Cluster;

/// <summary>The current pictures, their history, and what was last committed.</summary>
[GenerateSerializer, Alias("convocanvas.DiagramRecord")]
public sealed class DiagramRecord
{
    [Id(0)] public string? Fingerprint { get; set; }

    [Id(1)] public long Version { get; set; }

    /// <summary>At the configured width, with the snapshot time of the last change.</summary>
    [Id(2)] public string? Ascii { get; set; }

    [Id(3)] public string? Mermaid { get; set; }

    [Id(4)] public DateTimeOffset? ChangedAt { get; set; }

    /// <summary>Newest first, at most <see cref="DiagramOptions.History"/>.</summary>
    [Id(5)] public List<DiagramChange> History { get; set; } = [];

    /// <summary>The period the commit reminder was registered with (a changed setting registers it again).</summary>
    [Id(6)] public TimeSpan? CommitEvery { get; set; }
}

/// <summary>
/// A cluster's ASCII and Mermaid diagrams (key: the cluster's name). It consumes the watcher's snapshots and
/// re-renders only when what the diagrams show changes (<see cref="Topology.Fingerprint"/>), keeps the history of those
/// changes, answers long polls for live views, and on a reminder (daily by default) writes both diagrams into a git
/// repository folder as markdown and commits, only when they changed.
/// </summary>
[ImplicitStreamSubscription(StreamNamespaces.Cluster)]
public sealed class DiagramGrain(
    IOptions<DiagramOptions> options,
    ILogger<DiagramGrain> logger,
    [PersistentState("diagram", ProviderNames.Storage)] IPersistentState<DiagramRecord> record) : Grain, IDiagramGrain, IRemindable
{
    private const string CommitReminder = "commit-diagrams";

    private ClusterSnapshot? _snapshot;

    /// <summary>The snapshot the current picture was drawn from (null after a restart), to say what changed.</summary>
    private ClusterSnapshot? _drawn;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private string Cluster => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await this.GetStreamProvider(ProviderNames.Streams)
            .GetStream<ClusterSnapshotTaken>(StreamId.Create(StreamNamespaces.Cluster, Cluster))
            .SubscribeAsync((taken, _) => OnSnapshot(taken));
        if (options.Value.Repository is { Length: > 0 })
        {
            // Registered once: re-registering on every activation would push the daily commit back with each restart.
            var every = options.Value.CommitEvery < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : options.Value.CommitEvery;
            if (await this.GetReminder(CommitReminder) is null || record.State.CommitEvery != every)
            {
                await this.RegisterOrUpdateReminder(CommitReminder, every, every);
                record.State.CommitEvery = every;
                await record.WriteStateAsync(cancellationToken);
            }
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == CommitReminder)
        {
            await CommitNowAsync();
        }
    }

    private async Task OnSnapshot(ClusterSnapshotTaken taken)
    {
        if (taken.Snapshot is not { } snapshot)
        {
            return;
        }
        _snapshot = snapshot;
        var fingerprint = Topology.Fingerprint(snapshot);
        if (fingerprint == record.State.Fingerprint)
        {
            return;
        }
        var ascii = AsciiDiagram.Render(snapshot, new AsciiDiagramOptions { Width = options.Value.Width });
        record.State.Fingerprint = fingerprint;
        record.State.Version++;
        record.State.Ascii = ascii;
        record.State.Mermaid = MermaidDiagram.Render(snapshot);
        record.State.ChangedAt = snapshot.TakenAt;
        record.State.History.Insert(0, new DiagramChange(record.State.Version, snapshot.TakenAt, ascii.Split('\n')[0], SnapshotDiff.Between(_drawn, snapshot)));
        _drawn = snapshot;
        if (record.State.History.Count > options.Value.History)
        {
            record.State.History.RemoveRange(options.Value.History, record.State.History.Count - options.Value.History);
        }
        await record.WriteStateAsync();
        _changed.TrySetResult();
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public async Task<ClusterDiagram> GetDiagramAsync(string format, int width)
    {
        format = Validate(format, width);
        // After a restart, before the next snapshot: the watcher's saved one.
        _snapshot ??= record.State.Fingerprint is null ? null : await GrainFactory.GetGrain<IClusterWatcherGrain>(Cluster).GetSnapshotAsync();
        var diagram = new ClusterDiagram { Cluster = Cluster, Format = format, Version = record.State.Version, SnapshotAt = _snapshot?.TakenAt ?? record.State.ChangedAt };
        if (_snapshot is { } snapshot)
        {
            return diagram with
            {
                Text = format == "mermaid" ? MermaidDiagram.Render(snapshot) : AsciiDiagram.Render(snapshot, new AsciiDiagramOptions { Width = width }),
            };
        }
        if (record.State.Ascii is not null)
        {
            return diagram with { Text = format == "mermaid" ? record.State.Mermaid : record.State.Ascii };
        }
        return diagram with { Status = await WhyNoDiagramAsync() };
    }

    public async Task<ClusterDiagram> WaitForChangeAsync(long afterVersion, TimeSpan wait, string format, int width)
    {
        // A request that can only fail says so at once, not after the long poll has run its course.
        Validate(format, width);
        if (record.State.Version <= afterVersion && wait > TimeSpan.Zero)
        {
            await _changed.Task.WaitAsync(wait > TimeSpan.FromSeconds(25) ? TimeSpan.FromSeconds(25) : wait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
        return await GetDiagramAsync(format, width);
    }

    private static string Validate(string format, int width)
    {
        format = (format ?? "ascii").ToLowerInvariant();
        if (format is not ("ascii" or "mermaid"))
        {
            throw new ArgumentException($"unknown diagram format '{format}': use ascii or mermaid");
        }
        if (width is < 60 or > 1000)
        {
            throw new ArgumentException($"width {width} is out of range: use 60 to 1000 columns");
        }
        return format;
    }

    public Task<IReadOnlyList<DiagramChange>> GetHistoryAsync(int limit) =>
        Task.FromResult<IReadOnlyList<DiagramChange>>(record.State.History.Take(Math.Clamp(limit, 1, 1000)).ToList());

    public async Task<DiagramCommit> CommitNowAsync()
    {
        if (options.Value.Repository is not { Length: > 0 } repository)
        {
            return new DiagramCommit { Failed = true, Message = "no repository configured: set ConvoCanvas:Cluster:Diagrams:Repository to a folder" };
        }
        _snapshot ??= await GrainFactory.GetGrain<IClusterWatcherGrain>(Cluster).GetSnapshotAsync();
        if (_snapshot is not { } snapshot)
        {
            return new DiagramCommit { Failed = true, Message = $"nothing to commit yet: {await WhyNoDiagramAsync()}" };
        }
        var markdown = DiagramRepository.Markdown(Cluster,
            AsciiDiagram.Render(snapshot, new AsciiDiagramOptions { Width = options.Value.Width, IncludeTime = false }),
            MermaidDiagram.Render(snapshot), record.State.ChangedAt ?? snapshot.TakenAt);
        var summary = AsciiDiagram.Render(snapshot, new AsciiDiagramOptions { IncludeTime = false }).Split('\n')[0];
        try
        {
            // git runs on the thread pool, off the grain's scheduler, and each git command is stopped after the repository's
            // timeout. The grain is not reentrant (only the long polls interleave), so snapshots queue until the commit is done.
            var result = await Task.Run(() => new DiagramRepository(repository, options.Value.Folder).WriteAndCommitAsync(Cluster, markdown, $"ConvoCanvas: {summary}"));
            ClusterGrainLog.Committed(logger, Cluster, result.Message, result.File);
            return new DiagramCommit { Committed = result.Committed, Path = result.File, CommitId = result.CommitId, Message = result.Message };
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            ClusterGrainLog.CommitFailed(logger, Cluster, e.Message);
            return new DiagramCommit { Failed = true, Message = e.Message };
        }
    }

    private async Task<string> WhyNoDiagramAsync()
    {
        var status = await GrainFactory.GetGrain<IClusterWatcherGrain>(Cluster).GetStatusAsync();
        if (!status.Configured)
        {
            return status.LastError ?? ClusterClientFactory.NotConfiguredMessage;
        }
        return status.LastError is { } error && !status.Connected
            ? $"no snapshot yet: the cluster API is not answering ({error})"
            : "no snapshot yet: the first lists are under way";
    }
}
