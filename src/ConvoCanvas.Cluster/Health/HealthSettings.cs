namespace ConvoCanvas.Cluster.Health;

/// <summary>
/// The thresholds of the health rules and the alert book, bound from the <see cref="SectionName"/> configuration
/// section. The defaults suit a small home cluster: a crash loop backs off to one restart in five minutes, so about
/// twelve an hour, well over <see cref="PodRestartsPerHour"/>.
/// </summary>
public sealed record HealthSettings
{
    public const string SectionName = "ConvoCanvas:Cluster:Health";

    /// <summary>The window restarts are counted over; the per-hour thresholds are scaled to it.</summary>
    public TimeSpan RestartWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>A pod that restarts more than this many times an hour is in a restart storm.</summary>
    public int PodRestartsPerHour { get; init; } = 5;

    /// <summary>A namespace whose pods restart more than this many times an hour together is in a restart storm.</summary>
    public int NamespaceRestartsPerHour { get; init; } = 20;

    /// <summary>
    /// With no history for a container (the first snapshot), a restart count this high whose last termination is
    /// within the window counts as a storm: the days a cluster was unwatched must not hide it.
    /// </summary>
    public int FirstSightRestarts { get; init; } = 10;

    /// <summary>Container waiting reasons that mean a pod is stuck rather than starting.</summary>
    public IReadOnlyList<string> StuckWaitingReasons { get; init; } =
        ["CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError"];

    /// <summary>How long a node's InternalIP change keeps its finding: a change is an event, seen once, that may explain failures well after it.</summary>
    public TimeSpan NodeIpChangeRemembered { get; init; } = TimeSpan.FromHours(1);

    public string DnsNamespace { get; init; } = "kube-system";

    public string DnsLabelKey { get; init; } = "k8s-app";

    public string DnsLabelValue { get; init; } = "kube-dns";

    /// <summary>Running and ready pods expected per namespace; a configured count wins over a learned one.</summary>
    public IReadOnlyDictionary<string, int> ExpectedPods { get; init; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>Running and ready pods expected in the whole cluster ("23"), when set.</summary>
    public int? ExpectedPodsTotal { get; init; }

    /// <summary>Learn a namespace's pod count as its baseline once it has held for <see cref="BaselineStableFor"/>.</summary>
    public bool LearnBaselines { get; init; } = true;

    public TimeSpan BaselineStableFor { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A lower count replaces a learned baseline only after holding this long, so an outage is not learned as the
    /// new normal within minutes, while a deliberate scale-down stops alerting by the next day.
    /// </summary>
    public TimeSpan BaselineLowerAfter { get; init; } = TimeSpan.FromHours(24);

    /// <summary>No successful snapshot for longer than this is silence.</summary>
    public TimeSpan SilenceLimit { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a finding must stay absent before its alert resolves, so a pod briefly Running between crash-loop restarts does not resolve it.</summary>
    public TimeSpan ResolveHold { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Per-rule holds over <see cref="ResolveHold"/>. A successful snapshot proves the API answers, so silence and
    /// unreachability resolve at once.
    /// </summary>
    public IReadOnlyDictionary<string, TimeSpan> ResolveHoldByRule { get; init; } = new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
    {
        [HealthRuleNames.ApiUnreachable] = TimeSpan.Zero,
        [HealthRuleNames.Silence] = TimeSpan.Zero,
    };

    /// <summary>Resolved alerts kept in the book's history, newest first.</summary>
    public int ResolvedHistory { get; init; } = 100;

    public WebhookSettings Webhook { get; init; } = new();

    public TimeSpan HoldFor(string rule) => ResolveHoldByRule.TryGetValue(rule, out var hold) ? hold : ResolveHold;
}

/// <summary>Where and how the webhook sink posts alert transitions.</summary>
public sealed record WebhookSettings
{
    /// <summary>The URL to POST to; no URL, no webhook.</summary>
    public Uri? Url { get; init; }

    /// <summary>Tries in all, the first included.</summary>
    public int Attempts { get; init; } = 4;

    /// <summary>The wait before the second try; each later wait doubles, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one try may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}
