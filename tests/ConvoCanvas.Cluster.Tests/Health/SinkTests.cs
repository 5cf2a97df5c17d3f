using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using ConvoCanvas.Cluster.Health;
using ConvoCanvas.Cluster.Health.Sinks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static ConvoCanvas.Cluster.Tests.Health.Fixtures;

namespace ConvoCanvas.Cluster.Tests.Health;

public sealed class SinkTests
{
    private static readonly Alert Opened = new()
    {
        Rule = HealthRuleNames.NodeIpChanged,
        Severity = Severity.Critical,
        Subject = "node/server",
        Message = "node server's InternalIP changed from 192.168.1.50 to 192.168.1.77",
        Evidence = new Dictionary<string, string> { ["oldIp"] = "192.168.1.50", ["newIp"] = "192.168.1.77" },
        OpenedAt = T0,
        LastSeenAt = T0,
    };

    private static WebhookSettings Fast(Uri url) => new() { Url = url, RetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(4), Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task Webhook_retries_a_failing_receiver_and_delivers_on_the_third_try()
    {
        await using var server = await Receiver.StartAsync(failFirst: 2);
        var logger = new ListLogger<WebhookAlertSink>();
        using var http = new HttpClient();
        var sink = new WebhookAlertSink(http, Fast(server.Url), logger);

        var delivered = await sink.SendAsync(new AlertTransition(AlertEvent.Opened, Opened));

        Assert.True(delivered);
        Assert.Equal(3, server.Bodies.Count);
        Assert.Equal(2, logger.Entries.Count(e => e.Level == LogLevel.Warning));
        using var body = JsonDocument.Parse(server.Bodies.Last());
        var root = body.RootElement;
        Assert.Equal("opened", root.GetProperty("event").GetString());
        var alert = root.GetProperty("alert");
        Assert.Equal("node-ip-changed", alert.GetProperty("rule").GetString());
        Assert.Equal("critical", alert.GetProperty("severity").GetString());
        Assert.Equal("node/server", alert.GetProperty("subject").GetString());
        Assert.Equal("192.168.1.77", alert.GetProperty("evidence").GetProperty("newIp").GetString());
        Assert.Equal(T0, alert.GetProperty("openedAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("resolvedAt").ValueKind);
    }

    [Fact]
    public async Task Webhook_gives_up_without_throwing_on_timeouts_client_errors_and_no_receiver()
    {
        await using var hanging = await Receiver.StartAsync(hang: true);
        await using var refusing = await Receiver.StartAsync(status: HttpStatusCode.BadRequest);
        var logger = new ListLogger<WebhookAlertSink>();
        using var http = new HttpClient();
        var resolved = new AlertTransition(AlertEvent.Resolved, Opened with { ResolvedAt = T0.AddMinutes(20) });

        var timedOut = await new WebhookAlertSink(http, Fast(hanging.Url) with { Attempts = 2, Timeout = TimeSpan.FromMilliseconds(200) }, logger).SendAsync(resolved);
        var refused = await new WebhookAlertSink(http, Fast(refusing.Url), logger).SendAsync(resolved);
        // A port nothing listens on: the connection is refused at once.
        var nowhere = await new WebhookAlertSink(http, Fast(new Uri("http://127.0.0.1:9/hook")) with { Attempts = 2 }, logger).SendAsync(resolved);
        await new WebhookAlertSink(http, Fast(refusing.Url), logger).PublishAsync(resolved);

        Assert.False(timedOut);
        // Counted on the client's side: whether the hung receiver read a body before the client gave up is a race.
        Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("try 1 of 2", StringComparison.Ordinal) && e.Message.Contains("no answer within 0.2 s", StringComparison.Ordinal));
        Assert.False(refused);
        // A 400 will not get better by asking again.
        Assert.Equal(2, refusing.Bodies.Count);
        Assert.False(nowhere);
        Assert.Equal(4, logger.Entries.Count(e => e.Level == LogLevel.Error));
        Assert.Single(logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("no answer within 0.2 s", StringComparison.Ordinal));
        using var body = JsonDocument.Parse(refusing.Bodies.First());
        Assert.Equal("resolved", body.RootElement.GetProperty("event").GetString());
        Assert.Equal(T0.AddMinutes(20), body.RootElement.GetProperty("alert").GetProperty("resolvedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Log_sink_writes_openings_at_the_alerts_severity_and_resolutions_as_information()
    {
        var logger = new ListLogger<LogAlertSink>();
        var sink = new LogAlertSink(logger);

        await sink.PublishAsync(new AlertTransition(AlertEvent.Opened, Opened));
        await sink.PublishAsync(new AlertTransition(AlertEvent.Resolved, Opened with { ResolvedAt = T0.AddMinutes(20) }));

        Assert.Equal([LogLevel.Error, LogLevel.Information], logger.Entries.Select(e => e.Level));
        Assert.Contains("newIp=192.168.1.77", logger.Entries[0].Message);
        Assert.Contains("resolved: node-ip-changed on node/server", logger.Entries[1].Message);
    }

    [Fact]
    public void Check_json_lists_alerts_most_severe_first()
    {
        var findings = new[]
        {
            new Finding(HealthRuleNames.StuckContainer, Severity.Warning, "apps/deployment/web", "web stuck", new Dictionary<string, string> { ["reason"] = "ImagePullBackOff" }),
            new Finding(HealthRuleNames.NodeNotReady, Severity.Critical, "node/pi", "pi NotReady", new Dictionary<string, string> { ["reason"] = "KubeletNotReady" }),
        };

        using var json = JsonDocument.Parse(HealthCheckJson.Format(findings));

        var alerts = json.RootElement.GetProperty("alerts").EnumerateArray().ToList();
        Assert.Equal(["node-not-ready", "stuck-container"], alerts.Select(a => a.GetProperty("rule").GetString()));
        Assert.Equal("critical", alerts[0].GetProperty("severity").GetString());
        Assert.Equal("node/pi", alerts[0].GetProperty("subject").GetString());
        Assert.Equal("pi NotReady", alerts[0].GetProperty("message").GetString());
        Assert.Equal("ImagePullBackOff", alerts[1].GetProperty("evidence").GetProperty("reason").GetString());
        Assert.Equal(["rule", "severity", "subject", "message", "evidence"], alerts[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("{\"alerts\":[]}", HealthCheckJson.Format(Array.Empty<Alert>(), indented: false));
    }

    /// <summary>A loopback HTTP receiver that records bodies, failing the first requests or hanging when asked.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly CancellationTokenSource _stopping = new();

        private Receiver(WebApplication app) => _app = app;

        public Uri Url { get; private set; } = null!;

        public ConcurrentQueue<string> Bodies { get; } = new();

        public static async Task<Receiver> StartAsync(int failFirst = 0, bool hang = false, HttpStatusCode status = HttpStatusCode.NoContent)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/hook", async (HttpContext context) =>
            {
                using var reader = new StreamReader(context.Request.Body);
                receiver.Bodies.Enqueue(await reader.ReadToEndAsync());
                if (hang)
                {
                    // Until the client gives up or the test ends.
                    using var until = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, receiver._stopping.Token);
                    await Task.Delay(Timeout.Infinite, until.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                    return;
                }
                context.Response.StatusCode = receiver.Bodies.Count <= failFirst ? StatusCodes.Status503ServiceUnavailable : (int)status;
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            receiver.Url = new Uri(address.TrimEnd('/') + "/hook");
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _stopping.CancelAsync();
            await _app.StopAsync();
            await _app.DisposeAsync();
            _stopping.Dispose();
        }
    }

    private sealed class ListLogger<T> : ILogger<T>
    {
        private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

        public IReadOnlyList<(LogLevel Level, string Message)> Entries => [.. _entries];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
