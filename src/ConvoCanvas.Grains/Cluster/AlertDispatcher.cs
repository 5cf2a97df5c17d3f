using System.Threading.Channels;
using ConvoCanvas.Cluster.Health;
using ConvoCanvas.Cluster.Health.Sinks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ConvoCanvas.Grains.Cluster;

/// <summary>
/// Hands alert transitions to the sinks (the log, the webhook) off the health grain's turn: a webhook that retries for
/// a minute must not hold the grain. Transitions are delivered in order; the queue is bounded and drops the oldest
/// when a sink is stuck for long (the alerts themselves stay in the health grain and the REST API).
/// </summary>
public sealed partial class AlertDispatcher(IEnumerable<IAlertSink> sinks, ILogger<AlertDispatcher> logger) : BackgroundService
{
    private readonly Channel<AlertTransition> _queue = Channel.CreateBounded<AlertTransition>(new BoundedChannelOptions(1_000)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    public void Enqueue(AlertTransition transition) => _queue.Writer.TryWrite(transition);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var transition in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            foreach (var sink in sinks)
            {
                try
                {
                    await sink.PublishAsync(transition, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One sink's failure must not stop the others, nor the silo (a BackgroundService that throws stops the host).
                    SinkFailed(logger, sink.GetType().Name, transition.Alert.Rule, transition.Alert.Subject, e);
                }
            }
        }
    }

    [LoggerMessage(EventId = 3210, Level = LogLevel.Error, Message = "Alert sink {Sink} failed on {Rule} {Subject}")]
    private static partial void SinkFailed(ILogger logger, string sink, string rule, string subject, Exception exception);
}
