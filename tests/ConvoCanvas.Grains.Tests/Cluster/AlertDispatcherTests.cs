using ConvoCanvas.Cluster.Health;
using ConvoCanvas.Cluster.Health.Sinks;
using ConvoCanvas.Grains.Cluster;
using Microsoft.Extensions.Logging.Abstractions;

namespace ConvoCanvas.Grains.Tests.Cluster;

public sealed class AlertDispatcherTests
{
    private sealed class ThrowingSink : IAlertSink
    {
        public Task PublishAsync(AlertTransition transition, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("a sink with a broken setting");
    }

    [Fact]
    public async Task A_sink_that_throws_does_not_stop_the_others_or_the_dispatcher()
    {
        var recording = new RecordingSink();
        using var dispatcher = new AlertDispatcher([new ThrowingSink(), recording], NullLogger<AlertDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        var at = new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
        Alert Alert(string subject) => new() { Rule = HealthRuleNames.NodeNotReady, Severity = Severity.Critical, Subject = subject, Message = "down", OpenedAt = at, LastSeenAt = at };

        dispatcher.Enqueue(new AlertTransition(AlertEvent.Opened, Alert("node/a")));
        dispatcher.Enqueue(new AlertTransition(AlertEvent.Opened, Alert("node/b")));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (recording.Seen.Count < 2 && DateTime.UtcNow < deadline)
        {
            await recording.Delivered.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
        Assert.Equal(["node/a", "node/b"], recording.Seen.Select(t => t.Alert.Subject));
        await dispatcher.StopAsync(CancellationToken.None);
    }
}
