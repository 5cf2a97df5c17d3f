using Microsoft.Extensions.Logging;

namespace ConvoCanvas.Cluster.Watching;

internal static partial class ClusterWatchLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Warning, Message = "Cluster '{Cluster}': {Message}")]
    public static partial void NotConfigured(ILogger logger, string cluster, string message);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Cluster '{Cluster}': listed {Count} {Kind} at resourceVersion {ResourceVersion}")]
    public static partial void Listed(ILogger logger, string cluster, int count, string kind, string? resourceVersion);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Cluster '{Cluster}': {Kind} watch from resourceVersion {ResourceVersion} expired (410 Gone); relisting")]
    public static partial void Expired(ILogger logger, string cluster, string kind, string? resourceVersion);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Cluster '{Cluster}': {Kind}: {Error}; retrying in {Delay}")]
    public static partial void Failed(ILogger logger, string cluster, string kind, string error, TimeSpan delay);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "Cluster '{Cluster}': connected to the API server ({Version})")]
    public static partial void Connected(ILogger logger, string cluster, string? version);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Debug, Message = "Cluster '{Cluster}': {Kind} watch event not understood: {Error}")]
    public static partial void BadEvent(ILogger logger, string cluster, string kind, string error);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Information, Message = "Cluster '{Cluster}': periodic relist of {Kind}")]
    public static partial void PeriodicRelist(ILogger logger, string cluster, string kind);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Error, Message = "Cluster '{Cluster}': {Message}")]
    public static partial void Misconfigured(ILogger logger, string cluster, string message);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Warning, Message = "Cluster '{Cluster}': the API server was silent and did not answer a probe ({Error}); restarting the watches")]
    public static partial void ProbeFailed(ILogger logger, string cluster, string error);
}
