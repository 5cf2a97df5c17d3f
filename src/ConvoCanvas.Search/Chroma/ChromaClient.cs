using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static ConvoCanvas.Search.Chroma.ChromaJson;

namespace ConvoCanvas.Search.Chroma;

/// <summary>
/// A typed client for ChromaDB's v2 REST API over a plain <see cref="HttpClient"/> whose
/// <see cref="HttpClient.BaseAddress"/> is the server (<c>http://127.0.0.1:8010</c>).
/// Collections are found by name; records are addressed by the collection's id. Upserts and
/// deletes by id are split into batches under the server's <c>max_batch_size</c> and under
/// <see cref="ChromaClientOptions.MaxRequestBytes"/>. Connection errors, timeouts, 429 and
/// 5xx are retried with exponential backoff; other 4xx are not.
/// </summary>
public sealed class ChromaClient
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");

    private readonly HttpClient http;
    private readonly ChromaClientOptions options;
    private readonly ILogger logger;
    private readonly string databasePath;
    private readonly Lock preFlightLock = new();
    private Task<ChromaPreFlight>? preFlight;

    public ChromaClient(HttpClient http, ChromaClientOptions? options = null, ILogger<ChromaClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("the HttpClient needs a BaseAddress: the ChromaDB server's URL", nameof(http));
        }

        this.options = options ?? new ChromaClientOptions();
        if (this.options.MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxAttempts must be at least 1");
        }

        if (this.options.MaxBatchSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxBatchSize must be at least 1");
        }

        // Relative paths resolve under the base address only when it ends with a slash.
        if (!http.BaseAddress.AbsoluteUri.EndsWith('/'))
        {
            http.BaseAddress = new Uri(http.BaseAddress.AbsoluteUri + "/");
        }

        this.http = http;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        databasePath = $"api/v2/tenants/{Uri.EscapeDataString(this.options.Tenant)}/databases/{Uri.EscapeDataString(this.options.Database)}";
    }

    /// <summary>The server this client talks to.</summary>
    public Uri ServerUrl => http.BaseAddress!;

    /// <summary>The server's clock in nanoseconds; succeeds only when the server answers.</summary>
    public async Task<long> HeartbeatAsync(CancellationToken cancellationToken = default)
    {
        var text = await SendAsync(HttpMethod.Get, "api/v2/heartbeat", null, "heartbeat", cancellationToken);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.EnumerateObject().Select(p => p.Value.GetInt64()).FirstOrDefault();
    }

    /// <summary>The server's limits; asked once and kept (a failed ask is not kept).</summary>
    public Task<ChromaPreFlight> GetPreFlightAsync(CancellationToken cancellationToken = default)
    {
        lock (preFlightLock)
        {
            if (preFlight is null || preFlight.IsFaulted || preFlight.IsCanceled)
            {
                preFlight = FetchPreFlightAsync(cancellationToken);
            }

            return preFlight;
        }
    }

    private async Task<ChromaPreFlight> FetchPreFlightAsync(CancellationToken cancellationToken)
    {
        var text = await SendAsync(HttpMethod.Get, "api/v2/pre-flight-checks", null, "pre-flight checks", cancellationToken);
        var response = Deserialize<PreFlightResponse>(text, "pre-flight checks");
        ChromaLog.PreFlight(logger, ServerUrl, response.MaxBatchSize);
        return new ChromaPreFlight(response.MaxBatchSize);
    }

    /// <summary>
    /// The collection of that name, created with <paramref name="metadata"/> when missing
    /// (<c>{"hnsw:space": "cosine"}</c> picks the distance; it cannot change later).
    /// </summary>
    public async Task<ChromaCollection> GetOrCreateCollectionAsync(string name, IReadOnlyDictionary<string, object?>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var operation = $"get or create collection '{name}'";
        var text = await SendAsync(HttpMethod.Post, $"{databasePath}/collections",
            new CreateCollectionRequest(name, metadata, GetOrCreate: true), operation, cancellationToken);
        return ToCollection(Deserialize<CollectionResponse>(text, operation));
    }

    /// <summary>The collection of that name, or null when there is none.</summary>
    public async Task<ChromaCollection?> GetCollectionAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var operation = $"get collection '{name}'";
        try
        {
            var text = await SendAsync(HttpMethod.Get, $"{databasePath}/collections/{Uri.EscapeDataString(name)}", null, operation, cancellationToken);
            return ToCollection(Deserialize<CollectionResponse>(text, operation));
        }
        catch (ChromaNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Deletes the collection and its records; false when there was none of that name.</summary>
    public async Task<bool> DeleteCollectionAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        try
        {
            await SendAsync(HttpMethod.Delete, $"{databasePath}/collections/{Uri.EscapeDataString(name)}", null,
                $"delete collection '{name}'", cancellationToken);
            return true;
        }
        catch (ChromaNotFoundException)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<ChromaCollection>> ListCollectionsAsync(CancellationToken cancellationToken = default)
    {
        const string operation = "list collections";
        var text = await SendAsync(HttpMethod.Get, $"{databasePath}/collections", null, operation, cancellationToken);
        return Deserialize<List<CollectionResponse>>(text, operation).Select(ToCollection).ToList();
    }

    /// <summary>
    /// Inserts or replaces the records, in as many requests as the batch and size limits need.
    /// All embeddings must have the collection's dimension; ids must be unique.
    /// </summary>
    public async Task UpsertAsync(Guid collectionId, IReadOnlyList<ChromaRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        ValidateRecords(records);
        var maxBatch = await EffectiveBatchSizeAsync(cancellationToken);
        var batches = Split(records, maxBatch, EstimateBytes);
        ChromaLog.Batched(logger, $"upsert into collection {collectionId}", records.Count, batches.Count);

        for (var b = 0; b < batches.Count; b++)
        {
            var batch = batches[b];
            var anyDocument = batch.Any(r => r.Document is not null);
            var anyMetadata = batch.Any(r => r.Metadata is not null);
            var request = new UpsertRequest(
                batch.Select(r => r.Id).ToList(),
                batch.Select(r => r.Embedding).ToList(),
                anyDocument ? batch.Select(r => r.Document).ToList() : null,
                anyMetadata ? batch.Select(r => r.Metadata).ToList() : null);
            var operation = batches.Count == 1
                ? $"upsert of {batch.Count} records into collection {collectionId}"
                : $"upsert of batch {b + 1}/{batches.Count} ({batch.Count} records) into collection {collectionId}";
            await SendAsync(HttpMethod.Post, $"{CollectionPath(collectionId)}/upsert", request, operation, cancellationToken);
        }
    }

    /// <summary>
    /// The <paramref name="nResults"/> nearest records to each query embedding, optionally
    /// filtered: one list of hits per query embedding, nearest first.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<ChromaQueryHit>>> QueryAsync(
        Guid collectionId,
        IReadOnlyList<ReadOnlyMemory<float>> queryEmbeddings,
        int nResults,
        JsonObject? where = null,
        JsonObject? whereDocument = null,
        ChromaInclude include = ChromaInclude.Documents | ChromaInclude.Metadatas | ChromaInclude.Distances,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queryEmbeddings);
        ArgumentOutOfRangeException.ThrowIfLessThan(nResults, 1);
        if (queryEmbeddings.Count == 0)
        {
            return [];
        }

        var operation = $"query of collection {collectionId}";
        var text = await SendAsync(HttpMethod.Post, $"{CollectionPath(collectionId)}/query",
            new QueryRequest(queryEmbeddings, nResults, NullIfEmpty(where), NullIfEmpty(whereDocument), IncludeNames(include)),
            operation, cancellationToken);
        var response = Deserialize<QueryResponse>(text, operation);

        var results = new List<IReadOnlyList<ChromaQueryHit>>(response.Ids.Count);
        for (var q = 0; q < response.Ids.Count; q++)
        {
            var ids = response.Ids[q];
            var hits = new List<ChromaQueryHit>(ids.Count);
            for (var i = 0; i < ids.Count; i++)
            {
                hits.Add(new ChromaQueryHit(
                    ids[i],
                    At(response.Distances, q, i),
                    At(response.Documents, q, i),
                    At(response.Metadatas, q, i),
                    At(response.Embeddings, q, i)));
            }

            results.Add(hits);
        }

        return results;
    }

    /// <summary>
    /// Stored records by id and/or filter, in the server's order; ids not found are left out.
    /// With neither ids nor filters, every record (mind <paramref name="limit"/>).
    /// </summary>
    public async Task<IReadOnlyList<ChromaStoredRecord>> GetAsync(
        Guid collectionId,
        IReadOnlyList<string>? ids = null,
        JsonObject? where = null,
        int? limit = null,
        int? offset = null,
        ChromaInclude include = ChromaInclude.Documents | ChromaInclude.Metadatas,
        JsonObject? whereDocument = null,
        CancellationToken cancellationToken = default)
    {
        if (ids is { Count: 0 })
        {
            return [];
        }

        var operation = $"get from collection {collectionId}";
        var text = await SendAsync(HttpMethod.Post, $"{CollectionPath(collectionId)}/get",
            new GetRequest(ids, NullIfEmpty(where), NullIfEmpty(whereDocument), limit, offset,
                IncludeNames(include & ~ChromaInclude.Distances)),
            operation, cancellationToken);
        var response = Deserialize<GetResponse>(text, operation);
        var records = new List<ChromaStoredRecord>(response.Ids.Count);
        for (var i = 0; i < response.Ids.Count; i++)
        {
            records.Add(new ChromaStoredRecord(response.Ids[i], At(response.Documents, i), At(response.Metadatas, i), At(response.Embeddings, i)));
        }

        return records;
    }

    /// <summary>
    /// Deletes records by id (in batches) and/or by filter. At least one of them is required:
    /// the server would otherwise delete nothing, which is never what a caller means.
    /// </summary>
    public async Task DeleteAsync(Guid collectionId, IReadOnlyList<string>? ids = null, JsonObject? where = null,
        JsonObject? whereDocument = null, CancellationToken cancellationToken = default)
    {
        where = NullIfEmpty(where);
        whereDocument = NullIfEmpty(whereDocument);
        if (ids is null && where is null && whereDocument is null)
        {
            throw new ArgumentException("delete needs ids, a where filter or a where_document filter");
        }

        if (ids is { Count: 0 })
        {
            return;
        }

        var path = $"{CollectionPath(collectionId)}/delete";
        if (ids is null)
        {
            await SendAsync(HttpMethod.Post, path, new DeleteRequest(null, where, whereDocument),
                $"delete from collection {collectionId}", cancellationToken);
            return;
        }

        var maxBatch = await EffectiveBatchSizeAsync(cancellationToken);
        var batches = Split(ids, maxBatch, id => 4 + (id.Length * 3L));
        ChromaLog.Batched(logger, $"delete from collection {collectionId}", ids.Count, batches.Count);
        for (var b = 0; b < batches.Count; b++)
        {
            var operation = batches.Count == 1
                ? $"delete of {batches[b].Count} ids from collection {collectionId}"
                : $"delete of batch {b + 1}/{batches.Count} ({batches[b].Count} ids) from collection {collectionId}";
            await SendAsync(HttpMethod.Post, path, new DeleteRequest(batches[b], where, whereDocument), operation, cancellationToken);
        }
    }

    public async Task<long> CountAsync(Guid collectionId, CancellationToken cancellationToken = default)
    {
        var operation = $"count of collection {collectionId}";
        var text = await SendAsync(HttpMethod.Get, $"{CollectionPath(collectionId)}/count", null, operation, cancellationToken);
        return long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count)
            ? count
            : throw new ChromaException($"ChromaDB {operation}: the server answered '{Truncate(text)}', not a number", operation);
    }

    /// <summary>
    /// An upper bound on a record's JSON size: UTF-16 chars count three bytes (non-ASCII UTF-8),
    /// floats sixteen (the longest shortest-round-trip form and a comma). Control characters,
    /// escaped as six bytes, are the only case it undercounts, and they are rare in text.
    /// </summary>
    internal static long EstimateBytes(ChromaRecord record)
    {
        long bytes = 16 + (record.Id.Length * 3L) + (record.Embedding.Length * 16L);
        if (record.Document is not null)
        {
            bytes += 4 + (record.Document.Length * 3L);
        }

        if (record.Metadata is not null)
        {
            bytes += 4;
            foreach (var (key, value) in record.Metadata)
            {
                bytes += 6 + (key.Length * 3L) + (value is string s ? 2 + (s.Length * 3L) : 24);
            }
        }

        return bytes;
    }

    private List<List<T>> Split<T>(IReadOnlyList<T> items, int maxBatch, Func<T, long> estimate)
    {
        // Room for the envelope: property names, brackets, the nulls of absent documents.
        const long envelope = 256;
        var batches = new List<List<T>>();
        var current = new List<T>();
        var bytes = envelope;
        foreach (var item in items)
        {
            var size = estimate(item) + 16;
            if (current.Count > 0 && (current.Count >= maxBatch || bytes + size > options.MaxRequestBytes))
            {
                batches.Add(current);
                current = [];
                bytes = envelope;
            }

            // A single item over the limit still goes, alone: the server decides (413).
            current.Add(item);
            bytes += size;
        }

        if (current.Count > 0)
        {
            batches.Add(current);
        }

        return batches;
    }

    private async Task<int> EffectiveBatchSizeAsync(CancellationToken cancellationToken)
    {
        var server = (await GetPreFlightAsync(cancellationToken)).MaxBatchSize;
        if (server < 1)
        {
            server = int.MaxValue;
        }

        return Math.Min(server, options.MaxBatchSize ?? int.MaxValue);
    }

    private static void ValidateRecords(IReadOnlyList<ChromaRecord> records)
    {
        var dimension = records[0].Embedding.Length;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i] ?? throw new ArgumentException($"record {i} is null", nameof(records));
            if (string.IsNullOrEmpty(record.Id))
            {
                throw new ArgumentException($"record {i} has no id", nameof(records));
            }

            if (!ids.Add(record.Id))
            {
                // Split across batches, a duplicate would silently overwrite its twin.
                throw new ArgumentException($"record {i}: id '{record.Id}' appears more than once in one upsert", nameof(records));
            }

            if (record.Embedding.Length == 0 || record.Embedding.Length != dimension)
            {
                throw new ArgumentException(
                    $"record {i} ('{record.Id}'): embedding has {record.Embedding.Length} dimensions, the first record's has {dimension}; all must match the collection's",
                    nameof(records));
            }
        }
    }

    private const int ExpectContinueBytes = 1 << 20;

    /// <summary>
    /// The handler a ChromaDB client should use: a large request waits up to 30 s for the server's
    /// 100 Continue (or its 413) instead of .NET's 1 s, so a busy server's refusal of an over-limit body
    /// arrives before the body is sent, not as a broken pipe mid-send.
    /// </summary>
    public static SocketsHttpHandler CreateHandler() => new() { Expect100ContinueTimeout = TimeSpan.FromSeconds(30) };

    private string CollectionPath(Guid collectionId) => $"{databasePath}/collections/{collectionId:D}";

    private async Task<string> SendAsync(HttpMethod method, string path, object? body, string operation, CancellationToken cancellationToken)
    {
        var content = body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), ChromaJson.Options);
        string? lastReason = null;
        Exception? lastException = null;
        HttpStatusCode? lastStatus = null;

        for (var attempt = 1; ; attempt++)
        {
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(options.AttemptTimeout);
            try
            {
                using var request = new HttpRequestMessage(method, path);
                if (content is not null)
                {
                    request.Content = new ByteArrayContent(content) { Headers = { ContentType = JsonMediaType } };
                    // A large body waits for the server's go-ahead: a body over its limit is refused
                    // with 413 before it is sent, not cut off mid-send (a reset that reads as "down").
                    request.Headers.ExpectContinue = content.Length > ExpectContinueBytes;
                }

                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, attemptTimeout.Token);
                var text = await response.Content.ReadAsStringAsync(attemptTimeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return text;
                }

                if (!IsTransient(response.StatusCode))
                {
                    throw Error(response.StatusCode, text, operation, content?.Length);
                }

                lastStatus = response.StatusCode;
                lastException = null;
                lastReason = $"{(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(ParseError(text).Message ?? "")}";
                if (attempt >= options.MaxAttempts)
                {
                    if (response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)
                    {
                        throw new ChromaUnavailableException(
                            $"ChromaDB at {ServerUrl} is not available: {operation} got {lastReason} on all {attempt} attempts",
                            operation, response.StatusCode, null);
                    }

                    throw Error(response.StatusCode, text, operation, content?.Length);
                }
            }
            catch (HttpRequestException e)
            {
                lastStatus = null;
                lastException = e;
                lastReason = e.Message;
                if (attempt >= options.MaxAttempts)
                {
                    break;
                }
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                // The attempt's own timeout (or HttpClient.Timeout), not the caller's cancellation.
                lastStatus = null;
                lastException = e;
                lastReason = $"no answer within {options.AttemptTimeout.TotalSeconds:0.#} s";
                if (attempt >= options.MaxAttempts)
                {
                    break;
                }
            }

            var delay = RetryDelay(attempt);
            ChromaLog.Retrying(logger, operation, ServerUrl, attempt, options.MaxAttempts, lastReason ?? "", (long)delay.TotalMilliseconds);
            await Task.Delay(delay, cancellationToken);
        }

        throw new ChromaUnavailableException(
            $"ChromaDB at {ServerUrl} is not reachable: {operation} failed on all {options.MaxAttempts} attempts ({lastReason}); is the server running?",
            operation, lastStatus, lastException);
    }

    private TimeSpan RetryDelay(int attempt)
    {
        var baseDelay = options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        return TimeSpan.FromMilliseconds(baseDelay * (1 + (Random.Shared.NextDouble() * 0.5)));
    }

    private static bool IsTransient(HttpStatusCode status) => status is
        HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
        or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private ChromaException Error(HttpStatusCode status, string body, string operation, int? requestBytes)
    {
        var (error, message) = ParseError(body);
        var said = error is null ? Truncate(message ?? "") : $"{error}: {Truncate(message ?? "")}";
        var prefix = $"ChromaDB {operation} failed with {(int)status} {status}: {said}";
        switch (status)
        {
            case HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity:
                var hint = message?.Contains("dimension", StringComparison.OrdinalIgnoreCase) == true
                    ? " (the embedding dimension does not match the collection's: embed with the model the collection was filled with, or re-create the collection)"
                    : "";
                return new ChromaBadRequestException(prefix + hint, operation, status, error, message);
            case HttpStatusCode.NotFound:
                return new ChromaNotFoundException(
                    prefix + " (the collection does not exist, or was deleted: look it up again by name)", operation, error, message);
            case HttpStatusCode.Conflict:
                return new ChromaConflictException(prefix, operation, error, message);
            case HttpStatusCode.RequestEntityTooLarge:
                return new ChromaPayloadTooLargeException(
                    $"{prefix} (the request body was {requestBytes} bytes; lower ChromaClientOptions.MaxRequestBytes, now {options.MaxRequestBytes})",
                    operation, error, message);
            default:
                return new ChromaException(prefix, operation, status, error, message);
        }
    }

    /// <summary>The server sends <c>{"error","message"}</c> JSON, or plain text (413 does).</summary>
    private static (string? Error, string? Message) ParseError(string body)
    {
        var trimmed = body.Trim();
        if (trimmed.StartsWith('{'))
        {
            try
            {
                var parsed = JsonSerializer.Deserialize<ErrorResponse>(trimmed, ChromaJson.Options);
                if (parsed is not null && (parsed.Error is not null || parsed.Message is not null))
                {
                    return (parsed.Error, parsed.Message);
                }
            }
            catch (JsonException)
            {
            }
        }

        return (null, trimmed.Length == 0 ? null : trimmed);
    }

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500] + "…";

    private static T Deserialize<T>(string text, string operation)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, ChromaJson.Options)
                ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            throw new ChromaException($"ChromaDB {operation}: the answer is not what the v2 API returns ({e.Message}): {Truncate(text)}", operation, innerException: e);
        }
    }

    private static ChromaCollection ToCollection(CollectionResponse response) =>
        new(Guid.Parse(response.Id), response.Name, response.Metadata, response.Dimension);

    private static JsonObject? NullIfEmpty(JsonObject? filter) => filter is { Count: > 0 } ? filter : null;

    private static List<string> IncludeNames(ChromaInclude include)
    {
        var names = new List<string>(4);
        if (include.HasFlag(ChromaInclude.Documents))
        {
            names.Add("documents");
        }

        if (include.HasFlag(ChromaInclude.Metadatas))
        {
            names.Add("metadatas");
        }

        if (include.HasFlag(ChromaInclude.Distances))
        {
            names.Add("distances");
        }

        if (include.HasFlag(ChromaInclude.Embeddings))
        {
            names.Add("embeddings");
        }

        return names;
    }

    private static T? At<T>(List<List<T>>? lists, int query, int index) =>
        lists is not null && query < lists.Count && lists[query] is { } inner && index < inner.Count ? inner[index] : default;

    private static T? At<T>(List<T>? list, int index) =>
        list is not null && index < list.Count ? list[index] : default;
}
