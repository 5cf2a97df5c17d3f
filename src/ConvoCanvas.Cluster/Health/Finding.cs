using System.Text.Json.Serialization;

namespace ConvoCanvas.Cluster.Health;

[JsonConverter(typeof(JsonStringEnumConverter<Severity>))]
public enum Severity
{
    [JsonStringEnumMemberName("info")]
    Info,

    [JsonStringEnumMemberName("warning")]
    Warning,

    [JsonStringEnumMemberName("critical")]
    Critical,
}

/// <summary>
/// What one rule found about one subject at one evaluation. <see cref="Subject"/> is the de-duplication key within the
/// rule (see <see cref="Subjects"/>): a workload, a node, a namespace or the cluster, never a single pod, because pods of
/// a crash-looping deployment come and go under new names while the problem stays one.
/// </summary>
public sealed record Finding(string Rule, Severity Severity, string Subject, string Message, IReadOnlyDictionary<string, string> Evidence)
{
    /// <summary>
    /// For restart-type findings, the subject's total restart count: the alert book keeps the alert open while this
    /// grows, even when the finding itself is briefly absent.
    /// </summary>
    public int? RestartCount { get; init; }
}

/// <summary>The subject keys findings and alerts are de-duplicated by.</summary>
public static class Subjects
{
    public const string Cluster = "cluster";

    /// <summary>"kube-system/deployment/coredns", from a pod's namespace and <c>PodInfo.Workload</c>.</summary>
    public static string Workload(string ns, string workloadKey) => $"{ns}/{workloadKey}";

    public static string Node(string name) => $"node/{name}";

    public static string Namespace(string name) => $"namespace/{name}";
}

/// <summary>The names rules report under; alerts and per-rule settings refer to them.</summary>
public static class HealthRuleNames
{
    public const string RestartStorm = "restart-storm";
    public const string StuckContainer = "stuck-container";
    public const string NodeNotReady = "node-not-ready";
    public const string NodeIpChanged = "node-ip-changed";
    public const string Dns = "dns";
    public const string PodsMissing = "pods-missing";
    public const string ApiUnreachable = "api-unreachable";
    public const string Silence = "silence";
}
