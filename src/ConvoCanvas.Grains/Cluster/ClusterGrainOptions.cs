namespace ConvoCanvas.Grains.Cluster;

/// <summary>How the cluster grains publish and keep diagrams, bound from <c>ConvoCanvas:Cluster:Grains</c> and <c>ConvoCanvas:Cluster:Diagrams</c>.</summary>
public sealed class ClusterGrainOptions
{
    /// <summary>How often the watcher looks for changes to publish (a burst of watch events within it becomes one snapshot).</summary>
    public TimeSpan PublishInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A snapshot is published at least this often even when nothing changed, so health knows the watch is alive.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the health grain looks at the clock for silence when no snapshot arrives.</summary>
    public TimeSpan SilenceCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The last snapshot is saved at most this often (it survives a restart for diagrams and health).</summary>
    public TimeSpan SaveInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Where the diagrams are committed (<c>ConvoCanvas:Cluster:Diagrams</c>).</summary>
public sealed class DiagramOptions
{
    /// <summary>A git repository folder (initialised if it is not one yet); unset, nothing is committed.</summary>
    public string? Repository { get; set; }

    /// <summary>The folder inside the repository for <c>&lt;cluster&gt;.md</c>.</summary>
    public string Folder { get; set; } = "cluster";

    /// <summary>How often the diagrams are written and committed (only when they changed).</summary>
    public TimeSpan CommitEvery { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The ASCII diagram's width in the commit and the default for the API.</summary>
    public int Width { get; set; } = 100;

    /// <summary>How many changes of the picture are remembered.</summary>
    public int History { get; set; } = 200;
}
