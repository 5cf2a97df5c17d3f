using Microsoft.Extensions.Logging;

namespace ConvoCanvas.Cluster.Health.Sinks;

/// <summary>Writes transitions to the log: an opened critical alert as an error, a warning as a warning.</summary>
public sealed class LogAlertSink(ILogger<LogAlertSink> logger) : IAlertSink
{
    public Task PublishAsync(AlertTransition transition, CancellationToken cancellationToken = default)
    {
        var alert = transition.Alert;
        if (transition.Event == AlertEvent.Opened)
        {
            var level = alert.Severity switch
            {
                Severity.Critical => LogLevel.Error,
                Severity.Warning => LogLevel.Warning,
                _ => LogLevel.Information,
            };
            var evidence = string.Join("; ", alert.Evidence.Select(e => $"{e.Key}={e.Value}"));
            HealthLog.AlertOpened(logger, level, alert.Rule, alert.Subject, alert.Severity, alert.Message, evidence);
        }
        else
        {
            HealthLog.AlertResolved(logger, alert.Rule, alert.Subject, alert.OpenedAt, alert.Occurrences, alert.Message);
        }
        return Task.CompletedTask;
    }
}
