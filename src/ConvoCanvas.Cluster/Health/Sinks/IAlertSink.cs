namespace ConvoCanvas.Cluster.Health.Sinks;

/// <summary>Somewhere alert transitions go. Sinks are told only of transitions, never of an alert that stays open.</summary>
public interface IAlertSink
{
    /// <summary>Delivers one transition; a sink does not throw for a failed delivery, it logs it.</summary>
    Task PublishAsync(AlertTransition transition, CancellationToken cancellationToken = default);
}
