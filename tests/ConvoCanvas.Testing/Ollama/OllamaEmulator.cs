using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConvoCanvas.Testing.Ollama;

public sealed record OllamaEmulatorOptions
{
    /// <summary>The card's VRAM: an RTX 4080's 16 GiB by default.</summary>
    public long VramBytes { get; init; } = 17_171_480_576;

    /// <summary>Real seconds per emulated second: 0.01 runs a 2.5 s load in 25 ms. Reported durations stay in emulated time.</summary>
    public double TimeScale { get; init; } = 1.0;

    /// <summary>The context a request gets when it names no num_ctx.</summary>
    public int DefaultNumCtx { get; init; } = 4096;

    /// <summary>How long an idle model stays loaded when a request names no keep_alive.</summary>
    public TimeSpan DefaultKeepAlive { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Tokens a generation streams when the request names no num_predict.</summary>
    public int DefaultOutputTokens { get; init; } = 24;

    /// <summary>The loopback port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; }
}

/// <summary>
/// A stand-in for an Ollama server on one GPU, for tests: real HTTP on loopback, the same endpoints
/// and JSON as Ollama (<c>/api/tags</c>, <c>/api/show</c>, <c>/api/ps</c>, <c>/api/generate</c>,
/// <c>/api/chat</c>, <c>/api/embed</c>, streamed NDJSON with the timing fields), so the real
/// OllamaSharp client talks to it. It keeps VRAM books like a card: a load that does not fit is
/// refused with an out-of-memory error (it never evicts to make room, so a scheduler that
/// over-commits fails its test); loads take time in proportion to the model's load seconds, one at a
/// time; a loaded model runs one request at a time and streams tokens at its own speed; a change of
/// num_ctx reloads; an idle model unloads when its keep_alive runs out, as Ollama's do.
/// </summary>
public sealed class OllamaEmulator : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, EmulatedModel> _models;
    private readonly Dictionary<string, LoadedModel> _loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SemaphoreSlim> _runGates = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loadGate = new(1, 1);
    private readonly object _books = new();
    private readonly List<EmulatorRequest> _requests = [];
    private TaskCompletionSource _unloaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _app;

    public OllamaEmulator(IEnumerable<EmulatedModel> models, OllamaEmulatorOptions? options = null)
    {
        _models = models.ToDictionary(m => m.Name, StringComparer.Ordinal);
        Options = options ?? new OllamaEmulatorOptions();
    }

    public OllamaEmulatorOptions Options { get; }

    /// <summary>The server's address (<c>http://127.0.0.1:port/</c>) once started.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Generations stop after this many tokens and hang until the caller gives up (Ollama's silent hang); null: no hang.</summary>
    public int? HangAfterTokens { get; set; }

    /// <summary>
    /// A scripted answer: given the model and the whole prompt (system and messages, one per line), the text
    /// to stream, a word per token; null streams the default <c>token token1 …</c>. num_predict still caps it.
    /// </summary>
    public Func<string, string, string?>? Reply { get; set; }

    /// <summary>The prompts of every generation the emulator answered, in order (model, prompt).</summary>
    public IReadOnlyList<(string Model, string Prompt)> Prompts { get { lock (_books) { return [.. _prompts]; } } }
    private readonly List<(string Model, string Prompt)> _prompts = [];

    /// <summary>Holds every load that has room until <see cref="ReleaseLoads"/>, so a test can act while a load is under way.</summary>
    public void HoldLoads()
    {
        lock (_books)
        {
            if (_loadHold.Task.IsCompleted)
            {
                _loadHold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Lets the loads held by <see cref="HoldLoads"/> go on.</summary>
    public void ReleaseLoads()
    {
        lock (_books)
        {
            _loadHold.TrySetResult();
        }
    }

    private TaskCompletionSource _loadHold = Released();

    /// <summary>Loads that waited (or wait now) for <see cref="ReleaseLoads"/>.</summary>
    public int HeldLoads { get { lock (_books) { return _held; } } }
    private int _held;

    private static TaskCompletionSource Released()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        released.SetResult();
        return released;
    }

    /// <summary>Every load that completed, in order.</summary>
    public IReadOnlyList<string> Loads { get { lock (_books) { return [.. _loads]; } } }
    private readonly List<string> _loads = [];

    /// <summary>Loads refused because the model did not fit in the free VRAM.</summary>
    public int RefusedLoads { get { lock (_books) { return _refused; } } }
    private int _refused;

    /// <summary>The most VRAM in use at any moment.</summary>
    public long PeakVramBytes { get { lock (_books) { return _peak; } } }
    private long _peak;

    /// <summary>Every request the emulator answered, in order.</summary>
    public IReadOnlyList<EmulatorRequest> Requests { get { lock (_books) { return [.. _requests]; } } }

    /// <summary>What is loaded now: model, num_ctx, VRAM.</summary>
    public IReadOnlyList<(string Model, int NumCtx, long VramBytes)> Loaded
    {
        get { lock (_books) { return _loaded.Values.Select(l => (l.Model.Name, l.NumCtx, l.VramBytes)).OrderBy(l => l.Name).ToList(); } }
    }

    public long UsedVramBytes { get { lock (_books) { return _loaded.Values.Sum(l => l.VramBytes); } } }

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, Options.Port));
        _app = builder.Build();
        _app.MapGet("/", () => Results.Text("Ollama is running"));
        _app.MapGet("/api/version", () => Results.Json(new { version = "0.12.0" }));
        _app.MapGet("/api/tags", Tags);
        _app.MapPost("/api/show", (Func<HttpContext, Task<IResult>>)ShowAsync);
        _app.MapGet("/api/ps", Running);
        _app.MapPost("/api/generate", context => GenerateAsync(context, chat: false));
        _app.MapPost("/api/chat", context => GenerateAsync(context, chat: true));
        _app.MapPost("/api/embed", EmbedAsync);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
    }

    /// <summary>Returns once <paramref name="model"/> is not loaded (unloaded, or its keep_alive ran out).</summary>
    public async Task WaitUntilUnloadedAsync(string model, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            Task next;
            lock (_books)
            {
                if (!_loaded.ContainsKey(model))
                {
                    return;
                }
                next = _unloaded.Task;
            }
            await next.WaitAsync(cancel.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_books)
        {
            foreach (var loaded in _loaded.Values)
            {
                loaded.Expiry?.Dispose();
            }
        }
        if (_app is not null)
        {
            using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _app.StopAsync(stopTimeout.Token);
            await _app.DisposeAsync();
            _app = null;
        }
    }

    private IResult Tags() => Results.Json(new JsonObject
    {
        ["models"] = new JsonArray([.. _models.Values.OrderBy(m => m.Name).Select(m => (JsonNode)new JsonObject
        {
            ["name"] = m.Name,
            ["model"] = m.Name,
            ["modified_at"] = "2025-06-01T12:00:00Z",
            ["size"] = m.FileBytes,
            ["digest"] = Digest(m.Name),
            ["details"] = Details(m),
        })]),
    });

    private async Task<IResult> ShowAsync(HttpContext context)
    {
        var body = await ReadAsync(context);
        var name = body?["model"]?.GetValue<string>() ?? body?["name"]?.GetValue<string>() ?? "";
        Record("show", name, null, null);
        if (!_models.TryGetValue(name, out var m))
        {
            return NotFound(name);
        }
        var arch = m.Family;
        return Results.Json(new JsonObject
        {
            ["modelfile"] = $"# emulated by ConvoCanvas\nFROM {m.Name}",
            ["parameters"] = $"num_ctx {Options.DefaultNumCtx}",
            ["template"] = "{{ .Prompt }}",
            ["details"] = Details(m),
            ["model_info"] = new JsonObject
            {
                ["general.architecture"] = arch,
                ["general.parameter_count"] = ParameterCount(m.ParameterSize),
                [$"{arch}.context_length"] = m.ContextLength,
                [$"{arch}.block_count"] = m.BlockCount,
                [$"{arch}.attention.head_count"] = m.HeadCount,
                [$"{arch}.attention.head_count_kv"] = m.HeadCountKv,
                [$"{arch}.embedding_length"] = m.EmbeddingLength,
            },
            ["capabilities"] = m.EmbeddingDimensions > 0 ? new JsonArray("embedding") : new JsonArray("completion"),
        });
    }

    private IResult Running()
    {
        lock (_books)
        {
            return Results.Json(new JsonObject
            {
                ["models"] = new JsonArray([.. _loaded.Values.OrderBy(l => l.Model.Name).Select(l => (JsonNode)new JsonObject
                {
                    ["name"] = l.Model.Name,
                    ["model"] = l.Model.Name,
                    ["size"] = l.VramBytes,
                    ["digest"] = Digest(l.Model.Name),
                    ["details"] = Details(l.Model),
                    ["expires_at"] = (l.ExpiresAt ?? DateTimeOffset.UtcNow.AddYears(100)).ToString("O", CultureInfo.InvariantCulture),
                    ["size_vram"] = l.VramBytes,
                    ["context_length"] = l.NumCtx,
                })]),
            });
        }
    }

    private async Task GenerateAsync(HttpContext context, bool chat)
    {
        var body = await ReadAsync(context);
        var name = body?["model"]?.GetValue<string>() ?? "";
        var options = body?["options"] as JsonObject;
        var numCtx = options?["num_ctx"]?.GetValue<int>() ?? Options.DefaultNumCtx;
        var keepAlive = ParseKeepAlive(body?["keep_alive"]) ?? Options.DefaultKeepAlive;
        var stream = body?["stream"]?.GetValue<bool>() ?? true;
        var prompt = chat
            ? string.Join("\n", (body?["messages"] as JsonArray ?? []).Select(m => m?["content"]?.GetValue<string>() ?? ""))
            : body?["prompt"]?.GetValue<string>() ?? "";
        Record(chat ? "chat" : "generate", name, numCtx, keepAlive);
        if (!_models.TryGetValue(name, out var model))
        {
            await NotFound(name).ExecuteAsync(context);
            return;
        }
        numCtx = Math.Clamp(numCtx, 1, model.ContextLength);

        if (prompt.Length == 0 && !chat || chat && (body?["messages"] as JsonArray)?.Count is null or 0)
        {
            // No prompt: load (or, with keep_alive 0, unload), as Ollama does.
            if (keepAlive == TimeSpan.Zero)
            {
                Unload(name);
                await Results.Json(Final(name, chat, "unload", 0, 0, 0, 0)).ExecuteAsync(context);
                return;
            }
            var (loadError, loadNs) = await EnsureLoadedAsync(model, numCtx, context.RequestAborted);
            if (loadError is not null)
            {
                await loadError.ExecuteAsync(context);
                return;
            }
            SetExpiry(name, keepAlive);
            await Results.Json(Final(name, chat, "load", loadNs, 0, 0, 0)).ExecuteAsync(context);
            return;
        }

        var gate = RunGate(name);
        await gate.WaitAsync(context.RequestAborted);
        var running = false;
        try
        {
            var (error, loadNanos) = await EnsureLoadedAsync(model, numCtx, context.RequestAborted);
            if (error is not null)
            {
                await error.ExecuteAsync(context);
                return;
            }
            running = MarkRunning(name, true);

            var promptTokens = Math.Max(1, CountTokens(prompt));
            lock (_books)
            {
                _prompts.Add((name, prompt));
            }
            var scripted = Reply?.Invoke(name, prompt) is { } reply ? SplitWords(reply) : null;
            var limit = options?["num_predict"]?.GetValue<int>() is { } predict and > 0 ? predict : (int?)null;
            var outputTokens = scripted is null ? limit ?? Options.DefaultOutputTokens : Math.Min(scripted.Count, limit ?? int.MaxValue);
            var promptSeconds = promptTokens / model.PromptTokensPerSecond;
            await DelayAsync(promptSeconds, context.RequestAborted);

            var response = context.Response;
            if (stream)
            {
                response.ContentType = "application/x-ndjson";
            }
            var text = new StringBuilder();
            var tokenSeconds = 1.0 / model.TokensPerSecond;
            for (var i = 0; i < outputTokens; i++)
            {
                if (HangAfterTokens is { } hang && i == hang)
                {
                    // Ollama's silent hang: the stream stays open and nothing comes.
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                await DelayAsync(tokenSeconds, context.RequestAborted);
                var token = scripted is not null ? scripted[i] : i == 0 ? "token" : $" token{i}";
                text.Append(token);
                if (stream)
                {
                    await WriteLineAsync(response, Chunk(name, chat, token), context.RequestAborted);
                }
            }
            var final = Final(name, chat, "stop", loadNanos, promptTokens, Nanos(promptSeconds), outputTokens, Nanos(outputTokens * tokenSeconds));
            if (stream)
            {
                await WriteLineAsync(response, final, context.RequestAborted);
            }
            else
            {
                final[chat ? "message" : "response"] = chat ? new JsonObject { ["role"] = "assistant", ["content"] = text.ToString() } : text.ToString();
                await Results.Json(final).ExecuteAsync(context);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away: the model is free again, as in Ollama.
        }
        finally
        {
            if (running)
            {
                MarkRunning(name, false);
            }
            SetExpiry(name, keepAlive);
            gate.Release();
        }
    }

    /// <summary>A scripted answer as tokens: each word with the white space before it.</summary>
    private static List<string> SplitWords(string text)
    {
        var tokens = new List<string>();
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || char.IsWhiteSpace(text[i]) && !char.IsWhiteSpace(text[i - 1]))
            {
                tokens.Add(text[start..i]);
                start = i;
            }
        }
        return tokens;
    }

    private async Task EmbedAsync(HttpContext context)
    {
        var body = await ReadAsync(context);
        var name = body?["model"]?.GetValue<string>() ?? "";
        var keepAlive = ParseKeepAlive(body?["keep_alive"]) ?? Options.DefaultKeepAlive;
        Record("embed", name, null, keepAlive);
        if (!_models.TryGetValue(name, out var model))
        {
            await NotFound(name).ExecuteAsync(context);
            return;
        }
        if (model.EmbeddingDimensions == 0)
        {
            await Results.Json(new { error = $"\"{name}\" does not support embeddings" }, statusCode: 400).ExecuteAsync(context);
            return;
        }
        var inputs = body?["input"] switch
        {
            JsonArray array => array.Select(n => n?.GetValue<string>() ?? "").ToList(),
            JsonValue value => [value.GetValue<string>()],
            _ => new List<string>(),
        };
        var gate = RunGate(name);
        await gate.WaitAsync(context.RequestAborted);
        try
        {
            var (error, loadNanos) = await EnsureLoadedAsync(model, Options.DefaultNumCtx, context.RequestAborted);
            if (error is not null)
            {
                await error.ExecuteAsync(context);
                return;
            }
            var tokens = inputs.Sum(CountTokens);
            var seconds = tokens / model.PromptTokensPerSecond;
            await DelayAsync(seconds, context.RequestAborted);
            await Results.Json(new JsonObject
            {
                ["model"] = name,
                ["embeddings"] = new JsonArray([.. inputs.Select(i => (JsonNode)new JsonArray([.. Vector(i, model.EmbeddingDimensions).Select(v => (JsonNode)v)]))]),
                ["total_duration"] = loadNanos + Nanos(seconds),
                ["load_duration"] = loadNanos,
                ["prompt_eval_count"] = tokens,
            }).ExecuteAsync(context);
        }
        finally
        {
            SetExpiry(name, keepAlive);
            gate.Release();
        }
    }

    /// <summary>Loads the model with this num_ctx unless it is loaded so already; null and the load's nanoseconds, or the error to answer.</summary>
    private async Task<(IResult? Error, long LoadNanos)> EnsureLoadedAsync(EmulatedModel model, int numCtx, CancellationToken cancellationToken)
    {
        await _loadGate.WaitAsync(cancellationToken);
        try
        {
            long need;
            Task hold;
            lock (_books)
            {
                if (_loaded.TryGetValue(model.Name, out var current))
                {
                    if (current.NumCtx == numCtx)
                    {
                        return (null, 0);
                    }
                    // Another context size: Ollama reloads the model.
                    Remove(model.Name);
                }
                need = model.VramBytes(numCtx);
                var free = Options.VramBytes - _loaded.Values.Sum(l => l.VramBytes);
                if (need > free)
                {
                    _refused++;
                    return (Results.Json(new
                    {
                        error = $"out of memory: {model.Name} with num_ctx {numCtx} needs {need:N0} bytes of VRAM; {free:N0} of {Options.VramBytes:N0} are free",
                    }, statusCode: 500), 0);
                }
                hold = _loadHold.Task;
                if (!hold.IsCompleted)
                {
                    _held++;
                }
            }
            await hold.WaitAsync(cancellationToken);
            await DelayAsync(model.LoadSeconds, cancellationToken);
            lock (_books)
            {
                _loaded[model.Name] = new LoadedModel(model, numCtx, need) { ExpiresAt = null };
                _loads.Add(model.Name);
                _peak = Math.Max(_peak, _loaded.Values.Sum(l => l.VramBytes));
            }
            return (null, Nanos(model.LoadSeconds));
        }
        finally
        {
            _loadGate.Release();
        }
    }

    private void Unload(string name)
    {
        lock (_books)
        {
            Remove(name);
        }
    }

    /// <summary>Takes a model off the card and wakes whoever waits for an unload. Callers hold the books' lock.</summary>
    private void Remove(string name)
    {
        if (_loaded.Remove(name, out var gone))
        {
            gone.Expiry?.Dispose();
            var waiting = _unloaded;
            _unloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting.TrySetResult();
        }
    }

    private bool MarkRunning(string name, bool running)
    {
        lock (_books)
        {
            if (_loaded.TryGetValue(name, out var loaded))
            {
                loaded.Running += running ? 1 : -1;
                loaded.ExpiresAt = null;
                loaded.Expiry?.Dispose();
                loaded.Expiry = null;
            }
            return running;
        }
    }

    private void SetExpiry(string name, TimeSpan keepAlive)
    {
        lock (_books)
        {
            if (_loaded.TryGetValue(name, out var loaded) && loaded.Running == 0)
            {
                loaded.Expiry?.Dispose();
                loaded.Expiry = null;
                if (keepAlive == TimeSpan.Zero)
                {
                    Remove(name);
                }
                else if (keepAlive > TimeSpan.Zero)
                {
                    // Ollama unloads an idle model when its keep_alive runs out: a timer per model.
                    var after = keepAlive * Options.TimeScale;
                    loaded.ExpiresAt = DateTimeOffset.UtcNow + after;
                    loaded.Expiry = TimeProvider.System.CreateTimer(_ => Expire(name, loaded), null, after, Timeout.InfiniteTimeSpan);
                }
                else
                {
                    loaded.ExpiresAt = null;
                }
            }
        }
    }

    private void Expire(string name, LoadedModel loaded)
    {
        lock (_books)
        {
            if (_loaded.TryGetValue(name, out var current) && current == loaded && loaded.Running == 0)
            {
                Remove(name);
            }
        }
    }

    private SemaphoreSlim RunGate(string name)
    {
        lock (_books)
        {
            // NUM_PARALLEL 1: one request at a time per model.
            return _runGates.TryGetValue(name, out var gate) ? gate : _runGates[name] = new SemaphoreSlim(1, 1);
        }
    }

    private void Record(string endpoint, string model, int? numCtx, TimeSpan? keepAlive)
    {
        lock (_books)
        {
            _requests.Add(new EmulatorRequest(endpoint, model, numCtx, keepAlive));
        }
    }

    private Task DelayAsync(double emulatedSeconds, CancellationToken cancellationToken)
    {
        var real = emulatedSeconds * Options.TimeScale;
        return real < 0.0005 ? Task.CompletedTask : Task.Delay(TimeSpan.FromSeconds(real), cancellationToken);
    }

    /// <summary>Ollama's keep_alive: a duration string (<c>5m</c>, <c>30s</c>, <c>-1</c>) or a number of seconds; negative keeps the model loaded.</summary>
    public static TimeSpan? ParseKeepAlive(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }
        if (value.TryGetValue<double>(out var seconds))
        {
            return seconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds);
        }
        var text = value.GetValue<string>().Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds))
        {
            return seconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds);
        }
        if (text.StartsWith('-'))
        {
            return Timeout.InfiniteTimeSpan;
        }
        var total = TimeSpan.Zero;
        var number = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsAsciiDigit(text[i]) || text[i] == '.')
            {
                number.Append(text[i]);
                continue;
            }
            var unit = text[i..].StartsWith("ms", StringComparison.Ordinal) ? "ms" : text[i].ToString();
            i += unit.Length - 1;
            var amount = double.Parse(number.ToString(), CultureInfo.InvariantCulture);
            number.Clear();
            total += unit switch
            {
                "h" => TimeSpan.FromHours(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "ms" => TimeSpan.FromMilliseconds(amount),
                _ => throw new FormatException($"keep_alive '{text}' is not a duration"),
            };
        }
        return total;
    }

    private static IResult NotFound(string name) => Results.Json(new { error = $"model \"{name}\" not found, try pulling it first" }, statusCode: 404);

    private static JsonObject Chunk(string model, bool chat, string token)
    {
        var chunk = new JsonObject { ["model"] = model, ["created_at"] = Now() };
        if (chat)
        {
            chunk["message"] = new JsonObject { ["role"] = "assistant", ["content"] = token };
        }
        else
        {
            chunk["response"] = token;
        }
        chunk["done"] = false;
        return chunk;
    }

    private static JsonObject Final(string model, bool chat, string reason, long loadNanos, int promptTokens, long promptNanos, int evalTokens, long evalNanos = 0)
    {
        var final = Chunk(model, chat, "");
        final["done"] = true;
        final["done_reason"] = reason;
        final["total_duration"] = loadNanos + promptNanos + evalNanos;
        final["load_duration"] = loadNanos;
        final["prompt_eval_count"] = promptTokens;
        final["prompt_eval_duration"] = promptNanos;
        final["eval_count"] = evalTokens;
        final["eval_duration"] = evalNanos;
        return final;
    }

    private static async Task WriteLineAsync(HttpResponse response, JsonObject line, CancellationToken cancellationToken)
    {
        await response.WriteAsync(line.ToJsonString(Json) + "\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static async Task<JsonObject?> ReadAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonObject Details(EmulatedModel m) => new()
    {
        ["parent_model"] = "",
        ["format"] = "gguf",
        ["family"] = m.Family,
        ["families"] = new JsonArray(m.Family),
        ["parameter_size"] = m.ParameterSize,
        ["quantization_level"] = m.Quantization,
    };

    private static long ParameterCount(string size) =>
        double.TryParse(size.TrimEnd('B', 'M'), NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
            ? (long)(n * (size.EndsWith('M') ? 1e6 : 1e9))
            : 0;

    /// <summary>About four characters a token, as English text runs in BPE vocabularies.</summary>
    private static int CountTokens(string text) => (text.Length + 3) / 4;

    private static long Nanos(double seconds) => (long)(seconds * 1e9);

    private static string Now() => DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    private static string Digest(string name) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));

    /// <summary>A unit vector that depends only on the text: equal texts embed equally.</summary>
    private static double[] Vector(string text, int dimensions)
    {
        var vector = new double[dimensions];
        var seed = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        var random = new Random(BitConverter.ToInt32(seed, 0));
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = (random.NextDouble() * 2) - 1;
        }
        var norm = Math.Sqrt(vector.Sum(v => v * v));
        return [.. vector.Select(v => v / norm)];
    }

    private sealed class LoadedModel(EmulatedModel model, int numCtx, long vramBytes)
    {
        public EmulatedModel Model { get; } = model;
        public int NumCtx { get; } = numCtx;
        public long VramBytes { get; } = vramBytes;
        public int Running { get; set; }
        public DateTimeOffset? ExpiresAt { get; set; }
        public ITimer? Expiry { get; set; }
    }
}

/// <summary>One request as the emulator saw it.</summary>
public sealed record EmulatorRequest(string Endpoint, string Model, int? NumCtx, TimeSpan? KeepAlive);
