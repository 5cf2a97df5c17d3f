using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using OllamaSharp;
using OllamaSharp.Models;
using OllamaSharp.Models.Chat;

namespace ConvoCanvas.Inference.Ollama;

public sealed record OllamaGatewayOptions
{
    public Uri Server { get; init; } = new("http://127.0.0.1:11434");

    /// <summary>A streamed request that produces nothing for this long is abandoned as hung.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>For the short calls (tags, show, ps, unload).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A load of a large model from a slow disk can take minutes.</summary>
    public TimeSpan LoadTimeout { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Everything ConvoCanvas asks of an Ollama server, through OllamaSharp: installed models and their
/// facts, what is loaded, streamed chat and generation (with a stall watchdog, because Ollama can
/// hang mid-stream), embeddings, and loads and unloads with an explicit keep_alive. Failures come out
/// as <see cref="OllamaException"/>s whose message is one actionable line.
/// </summary>
public sealed class OllamaGateway : IDisposable
{
    /// <summary>keep_alive -1: Ollama keeps the model until told otherwise, so it never unloads behind the scheduler's back.</summary>
    public const string KeepForever = "-1";

    private readonly OllamaApiClient _client;
    private readonly HttpClient _http;

    public OllamaGateway(OllamaGatewayOptions? options = null)
    {
        Options = options ?? new OllamaGatewayOptions();
        // Timeouts are ours (per call, and the stall watchdog for streams); the handler makes a
        // cancelled stream stop reading, which OllamaSharp alone does not once the stream is open.
        // No draining of an abandoned response: its connection closes at once, so Ollama sees the
        // client go and stops generating (draining would keep the model busy for seconds).
        _http = new HttpClient(new AbortOnCancelHandler(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), MaxResponseDrainSize = 0 }))
        {
            BaseAddress = Options.Server,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _client = new OllamaApiClient(_http);
    }

    public OllamaGatewayOptions Options { get; }

    public Uri Server => Options.Server;

    /// <summary><c>/api/tags</c>: the installed models.</summary>
    public Task<IReadOnlyList<InstalledModel>> ListAsync(CancellationToken cancellationToken = default) =>
        CallAsync(null, async token =>
        {
            var models = await _client.ListLocalModelsAsync(token);
            return (IReadOnlyList<InstalledModel>)models
                .Select(m => new InstalledModel(m.Name, m.Size, m.Details?.Family, m.Details?.ParameterSize, m.Details?.QuantizationLevel))
                .OrderBy(m => m.Name, StringComparer.Ordinal)
                .ToList();
        }, Options.CallTimeout, cancellationToken);

    /// <summary><c>/api/show</c> (with <c>/api/tags</c> for the size): parameters, quantisation, context length, KV bytes per token.</summary>
    public Task<ModelFacts> ShowAsync(string model, CancellationToken cancellationToken = default) =>
        CallAsync(model, async token =>
        {
            var show = await _client.ShowModelAsync(new ShowModelRequest { Model = model }, token);
            var size = (await _client.ListLocalModelsAsync(token)).FirstOrDefault(m => m.Name == model)?.Size ?? 0;
            var info = show.Info;
            var architecture = info?.Architecture;
            long Number(string key)
            {
                if (architecture is null || info?.ExtraInfo is null || !info.ExtraInfo.TryGetValue($"{architecture}.{key}", out var value) || value is null)
                {
                    return 0;
                }
                return long.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
            }
            var layers = Number("block_count");
            var heads = Number("attention.head_count");
            var kvHeads = Number("attention.head_count_kv") is > 0 and var kv ? kv : heads;
            var headWidth = Number("attention.key_length") is > 0 and var k ? k : heads > 0 ? Number("embedding_length") / heads : 0;
            return new ModelFacts(
                model,
                size,
                architecture,
                show.Details?.ParameterSize,
                show.Details?.QuantizationLevel,
                (int)Math.Min(int.MaxValue, Number("context_length")),
                2 * layers * kvHeads * headWidth * 2,
                show.Capabilities?.ToList() ?? []);
        }, Options.CallTimeout, cancellationToken);

    /// <summary><c>/api/ps</c>: the loaded models, with the VRAM each really takes.</summary>
    public Task<IReadOnlyList<RunningModelInfo>> RunningAsync(CancellationToken cancellationToken = default) =>
        CallAsync(null, async token =>
        {
            var running = await _client.ListRunningModelsAsync(token);
            return (IReadOnlyList<RunningModelInfo>)running
                .Select(m => new RunningModelInfo(m.Name, m.Size, m.SizeVram, m.ContextLength, m.ExpiresAt == default ? null : m.ExpiresAt))
                .ToList();
        }, Options.CallTimeout, cancellationToken);

    /// <summary>Loads the model with <paramref name="numCtx"/> (an empty generate) and returns the seconds Ollama reports for the load.</summary>
    public Task<double> LoadAsync(string model, int numCtx, string keepAlive = KeepForever, CancellationToken cancellationToken = default) =>
        CallAsync(model, async token =>
        {
            var started = Stopwatch.GetTimestamp();
            double? reported = null;
            await foreach (var chunk in _client.GenerateAsync(new GenerateRequest { Model = model, KeepAlive = keepAlive, Options = new RequestOptions { NumCtx = numCtx } }, token))
            {
                if (chunk is GenerateDoneResponseStream done && done.LoadDuration > 0)
                {
                    reported = done.LoadDuration / 1e9;
                }
            }
            return reported ?? Stopwatch.GetElapsedTime(started).TotalSeconds;
        }, Options.LoadTimeout, cancellationToken);

    /// <summary>keep_alive 0: Ollama frees the model's memory.</summary>
    public Task UnloadAsync(string model, CancellationToken cancellationToken = default) =>
        CallAsync(model, async token =>
        {
            await foreach (var _ in _client.GenerateAsync(new GenerateRequest { Model = model, KeepAlive = "0" }, token))
            {
            }
            return true;
        }, Options.CallTimeout, cancellationToken);

    /// <summary><c>/api/embed</c>.</summary>
    public Task<IReadOnlyList<float[]>> EmbedAsync(string model, IReadOnlyList<string> texts, int? numCtx = null, string keepAlive = KeepForever, CancellationToken cancellationToken = default) =>
        CallAsync(model, async token =>
        {
            var response = await _client.EmbedAsync(new EmbedRequest
            {
                Model = model,
                Input = [.. texts],
                KeepAlive = keepAlive,
                Options = numCtx is { } n ? new RequestOptions { NumCtx = n } : null,
            }, token);
            return (IReadOnlyList<float[]>)response.Embeddings;
        }, Options.LoadTimeout, cancellationToken);

    /// <summary><c>/api/chat</c>, streamed; the last chunk carries the timing statistics.</summary>
    public IAsyncEnumerable<GenerationChunk> ChatAsync(string model, IReadOnlyList<ChatTurn> messages, int numCtx, int? maxTokens = null, string keepAlive = KeepForever, CancellationToken cancellationToken = default)
    {
        var request = new ChatRequest
        {
            Model = model,
            Messages = messages.Select(m => new Message(ParseRole(m.Role), m.Content)).ToList(),
            KeepAlive = keepAlive,
            Options = new RequestOptions { NumCtx = numCtx, NumPredict = maxTokens },
            Stream = true,
        };
        return StreamAsync(model, token => _client.ChatAsync(request, token), chunk => chunk switch
        {
            ChatDoneResponseStream done => new GenerationChunk(done.Message?.Content ?? "", Stats(done.PromptEvalCount, done.PromptEvalDuration, done.EvalCount, done.EvalDuration, done.LoadDuration, done.TotalDuration)),
            { } part => new GenerationChunk(part.Message?.Content ?? ""),
            null => null,
        }, Options.StallTimeout, cancellationToken);
    }

    /// <summary><c>/api/generate</c>, streamed; the last chunk carries the timing statistics.</summary>
    public IAsyncEnumerable<GenerationChunk> GenerateAsync(string model, string prompt, int numCtx, int? maxTokens = null, string? system = null, string keepAlive = KeepForever, TimeSpan? stallTimeout = null, CancellationToken cancellationToken = default)
    {
        var request = new GenerateRequest
        {
            Model = model,
            Prompt = prompt,
            System = system,
            KeepAlive = keepAlive,
            Options = new RequestOptions { NumCtx = numCtx, NumPredict = maxTokens },
            Stream = true,
        };
        return StreamAsync(model, token => _client.GenerateAsync(request, token), chunk => chunk switch
        {
            GenerateDoneResponseStream done => new GenerationChunk(done.Response ?? "", Stats(done.PromptEvalCount, done.PromptEvalDuration, done.EvalCount, done.EvalDuration, done.LoadDuration, done.TotalDuration)),
            { } part => new GenerationChunk(part.Response ?? ""),
            null => null,
        }, stallTimeout ?? Options.StallTimeout, cancellationToken);
    }

    public void Dispose()
    {
        _client.Dispose();
        _http.Dispose();
    }

    private static GenerationStats Stats(long promptTokens, long promptNs, long outputTokens, long evalNs, long loadNs, long totalNs) =>
        new((int)promptTokens, promptNs / 1e9, (int)outputTokens, evalNs / 1e9, loadNs / 1e9, totalNs / 1e9);

    private static ChatRole ParseRole(string role) => role.ToLowerInvariant() switch
    {
        "system" => ChatRole.System,
        "assistant" => ChatRole.Assistant,
        "user" => ChatRole.User,
        _ => throw new ArgumentException($"chat role '{role}' is not one of system, user, assistant", nameof(role)),
    };

    /// <summary>
    /// Streams <paramref name="open"/>'s chunks; if none arrives for <see cref="OllamaGatewayOptions.StallTimeout"/>
    /// the request is cancelled (the handler closes the response) and <see cref="OllamaHangException"/> is thrown.
    /// </summary>
    private async IAsyncEnumerable<GenerationChunk> StreamAsync<T>(
        string model,
        Func<CancellationToken, IAsyncEnumerable<T?>> open,
        Func<T?, GenerationChunk?> map,
        TimeSpan stallTimeout,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        watchdog.CancelAfter(stallTimeout);
        // The handler must abort the response on the watchdog's own token: the one HttpClient hands it
        // is linked through a source HttpClient disposes once the headers are in, so a later cancel never reaches it.
        StreamToken.Value = watchdog.Token;
        var enumerator = open(watchdog.Token).GetAsyncEnumerator(watchdog.Token);
        try
        {
            while (true)
            {
                GenerationChunk? chunk;
                try
                {
                    if (!await enumerator.MoveNextAsync())
                    {
                        yield break;
                    }
                    chunk = map(enumerator.Current);
                }
                catch (Exception) when (watchdog.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new OllamaHangException(model, stallTimeout);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && Translate(e, model) is { } translated)
                {
                    throw translated;
                }
                watchdog.CancelAfter(stallTimeout);
                if (chunk is not null)
                {
                    yield return chunk;
                }
            }
        }
        finally
        {
            await enumerator.DisposeAsync();
        }
    }

    private async Task<T> CallAsync<T>(string? model, Func<CancellationToken, Task<T>> call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return await call(limit.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && Translate(e, model) is { } translated)
        {
            throw translated;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new OllamaException($"Ollama at {Server} did not answer within {timeout.TotalSeconds:0} s{(model is null ? "" : $" for '{model}'")}", e);
        }
    }

    /// <summary>Ollama's failures as one line each; null for what is not Ollama's (a cancellation, a bug).</summary>
    private OllamaException? Translate(Exception e, string? model) => e switch
    {
        OllamaException ours => ours,
        HttpRequestException { StatusCode: HttpStatusCode.NotFound } when model is not null => new OllamaModelNotFoundException(model, Server),
        HttpRequestException { StatusCode: null } => new OllamaUnavailableException(Server, e),
        HttpRequestException { StatusCode: { } status } => new OllamaException($"Ollama at {Server} answered {(int)status}{(model is null ? "" : $" for '{model}'")}: {e.Message}", e),
        OllamaSharp.Models.Exceptions.OllamaException other => other.Message.Contains("not found", StringComparison.OrdinalIgnoreCase) && model is not null
            ? new OllamaModelNotFoundException(model, Server)
            : new OllamaException($"Ollama at {Server}{(model is null ? "" : $" for '{model}'")}: {other.Message}", e),
        SocketException or IOException => new OllamaUnavailableException(Server, e),
        _ => null,
    };

    /// <summary>The token of the stream being opened on this flow (<see cref="StreamAsync"/>), for <see cref="AbortOnCancelHandler"/>.</summary>
    private static readonly AsyncLocal<CancellationToken> StreamToken = new();

    /// <summary>Closes a streamed response when its request is cancelled, so a read waiting on a silent server ends.</summary>
    private sealed class AbortOnCancelHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var stream = StreamToken.Value;
            if (stream.CanBeCanceled)
            {
                // Registered on the stream's own token, which outlives this call (StreamAsync disposes its source when the stream ends).
                _ = stream.Register(static state => ((HttpResponseMessage)state!).Dispose(), response);
                StreamToken.Value = default;
            }
            else if (cancellationToken.CanBeCanceled)
            {
                _ = cancellationToken.Register(static state => ((HttpResponseMessage)state!).Dispose(), response);
            }
            return response;
        }
    }
}
