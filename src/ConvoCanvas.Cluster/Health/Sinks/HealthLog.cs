using Microsoft.Extensions.Logging;

namespace ConvoCanvas.Cluster.Health.Sinks;

internal static partial class HealthLog
{
    [LoggerMessage(EventId = 4100, Message = "Cluster alert opened: {Rule} on {Subject} ({Severity}): {AlertMessage} [{Evidence}]")]
    public static partial void AlertOpened(ILogger logger, LogLevel level, string rule, string subject, Severity severity, string alertMessage, string evidence);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Cluster alert resolved: {Rule} on {Subject}, open since {OpenedAt:O}, seen {Occurrences} time(s): {AlertMessage}")]
    public static partial void AlertResolved(ILogger logger, string rule, string subject, DateTimeOffset openedAt, int occurrences, string alertMessage);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning, Message = "Alert webhook {Url}: try {Attempt} of {Attempts} for {Event} {Rule} on {Subject} failed ({Failure}); retrying in {Delay}")]
    public static partial void WebhookRetrying(ILogger logger, Uri url, int attempt, int attempts, AlertEvent @event, string rule, string subject, string failure, TimeSpan delay);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Error, Message = "Alert webhook {Url}: gave up on {Event} {Rule} on {Subject} after {Attempts} tries ({Failure}); check the URL and that the receiver is up")]
    public static partial void WebhookGaveUp(ILogger logger, Uri url, AlertEvent @event, string rule, string subject, int attempts, string failure);
}
