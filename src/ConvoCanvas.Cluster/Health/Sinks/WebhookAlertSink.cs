using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace ConvoCanvas.Cluster.Health.Sinks;

/// <summary>
/// POSTs each transition as <c>{"event":"opened|resolved","alert":{…}}</c> to <see cref="WebhookSettings.Url"/>, retrying
/// with doubling waits on network errors, timeouts, 408, 429 and 5xx. It never throws into the evaluation that called
/// it: an alert that cannot be delivered is logged, and health goes on.
/// </summary>
public sealed class WebhookAlertSink(HttpClient http, WebhookSettings settings, ILogger<WebhookAlertSink> logger, TimeProvider? time = null) : IAlertSink
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task PublishAsync(AlertTransition transition, CancellationToken cancellationToken = default) =>
        await SendAsync(transition, cancellationToken).ConfigureAwait(false);

    /// <summary>Delivers one transition; true when the receiver answered 2xx.</summary>
    public async Task<bool> SendAsync(AlertTransition transition, CancellationToken cancellationToken = default)
    {
        if (settings.Url is not { } url)
        {
            return false;
        }
        var payload = Payload.From(transition);
        var attempts = Math.Max(1, settings.Attempts);
        var delay = settings.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            var (delivered, retry, failure) = await TryOnceAsync(url, payload, cancellationToken).ConfigureAwait(false);
            if (delivered)
            {
                return true;
            }
            if (!retry || attempt >= attempts || cancellationToken.IsCancellationRequested)
            {
                HealthLog.WebhookGaveUp(logger, url, transition.Event, transition.Alert.Rule, transition.Alert.Subject, attempt, failure);
                return false;
            }
            HealthLog.WebhookRetrying(logger, url, attempt, attempts, transition.Event, transition.Alert.Rule, transition.Alert.Subject, failure, delay);
            try
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                HealthLog.WebhookGaveUp(logger, url, transition.Event, transition.Alert.Rule, transition.Alert.Subject, attempt, "cancelled");
                return false;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxRetryDelay.Ticks));
        }
    }

    private async Task<(bool Delivered, bool Retry, string Failure)> TryOnceAsync(Uri url, Payload payload, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        try
        {
            using var response = await http.PostAsJsonAsync(url, payload, Json, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return (true, false, "");
            }
            var status = response.StatusCode;
            var retry = status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;
            return (false, retry, $"HTTP {(int)status} {response.ReasonPhrase}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, true, $"no answer within {settings.Timeout.TotalSeconds:0.###} s");
        }
        catch (OperationCanceledException)
        {
            return (false, false, "cancelled");
        }
        catch (HttpRequestException e)
        {
            return (false, true, e.Message);
        }
    }

    /// <summary>The wire shape: stable names, evidence as an object.</summary>
    private sealed record Payload(AlertEvent Event, PayloadAlert Alert)
    {
        public static Payload From(AlertTransition transition)
        {
            var a = transition.Alert;
            return new Payload(transition.Event, new PayloadAlert(a.Rule, a.Severity, a.Subject, a.Message, a.Evidence, a.OpenedAt, a.ResolvedAt));
        }
    }

    private sealed record PayloadAlert(
        string Rule, Severity Severity, string Subject, string Message, IReadOnlyDictionary<string, string> Evidence, DateTimeOffset OpenedAt, DateTimeOffset? ResolvedAt);
}
