using OllamaSharp;
using OllamaSharp.Models;

namespace ConvoCanvas.Search.Embeddings;

/// <summary>
/// Embeddings from an Ollama server's <c>/api/embed</c> (nomic-embed-text by default). Documents and
/// queries get the model's task instructions (<see cref="EmbeddingPrefixes"/>). Vectors come back
/// scaled to unit length whatever the model returns, so cosine and dot product agree.
/// </summary>
public sealed class OllamaEmbedder : IEmbedder
{
    private readonly OllamaApiClient client;
    private readonly OllamaEmbedderOptions options;
    private readonly Func<string, int> countTokens;
    private readonly bool ownsHttpClient;
    private readonly string queryPrefix;
    private readonly string documentPrefix;
    private readonly string id;
    private int dimensions;

    /// <param name="http">Its <see cref="HttpClient.BaseAddress"/> is the server (http://localhost:11434). The caller keeps ownership.</param>
    public OllamaEmbedder(HttpClient http, OllamaEmbedderOptions? options = null)
        : this(http, options, ownsHttpClient: false)
    {
    }

    internal OllamaEmbedder(HttpClient http, OllamaEmbedderOptions? options, bool ownsHttpClient)
    {
        this.ownsHttpClient = ownsHttpClient;
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null) throw new ArgumentException("the HttpClient needs a BaseAddress: the Ollama server, e.g. http://localhost:11434", nameof(http));
        this.options = Validate(options ?? new OllamaEmbedderOptions());
        client = new OllamaApiClient(http, this.options.Model);
        countTokens = this.options.TokenCounter ?? WordPieces.Count;
        dimensions = this.options.Dimensions ?? 0;
        var known = EmbeddingPrefixes.For(this.options.Model);
        queryPrefix = this.options.QueryPrefix ?? known.Query;
        documentPrefix = this.options.DocumentPrefix ?? known.Document;
        id = "ollama-" + new string(this.options.Model.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '-').ToArray());
        if ((queryPrefix, documentPrefix) != known)
        {
            // Other instructions put vectors elsewhere: their own collection and cache entries.
            var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(queryPrefix + "\0" + documentPrefix));
            id += "-p" + Convert.ToHexStringLower(hash)[..8];
        }
    }

    public OllamaEmbedder(Uri endpoint, string model = OllamaEmbedderOptions.DefaultModel)
        : this(new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromMinutes(5) }, new OllamaEmbedderOptions { Model = model }, ownsHttpClient: true)
    {
    }

    /// <summary>
    /// <c>ollama-</c> and the model name in lower case, with anything but letters, digits, <c>.</c>
    /// and <c>-</c> as <c>-</c>; with <c>-p</c> and a hash when the prefixes are not the model's own.
    /// </summary>
    public string Id => id;

    public string QueryPrefix => queryPrefix;

    public string DocumentPrefix => documentPrefix;

    /// <summary>From the options, else from the first response; 0 until then.</summary>
    public int Dimensions => Volatile.Read(ref dimensions);

    public int MaxTokens => options.MaxTokens;

    public int CountTokens(string text) => string.IsNullOrEmpty(text) ? 0 : countTokens(text);

    public Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        EmbedWithPrefixAsync(texts, documentPrefix, cancellationToken);

    public async Task<float[]> EmbedQueryAsync(string query, CancellationToken cancellationToken = default) =>
        (await EmbedWithPrefixAsync([query], queryPrefix, cancellationToken).ConfigureAwait(false))[0];

    private async Task<float[][]> EmbedWithPrefixAsync(IReadOnlyList<string> texts, string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var results = new float[texts.Count][];
        for (var start = 0; start < texts.Count; start += options.BatchSize)
        {
            var count = Math.Min(options.BatchSize, texts.Count - start);
            var request = new EmbedRequest
            {
                Model = options.Model,
                Input = texts.Skip(start).Take(count).Select(t => prefix + (t ?? "")).ToList(),
                Truncate = true,
            };
            var response = await client.EmbedAsync(request, cancellationToken).ConfigureAwait(false);
            var embeddings = response?.Embeddings;
            if (embeddings is null || embeddings.Count != count)
                throw new InvalidOperationException($"ollama model '{options.Model}': /api/embed returned {embeddings?.Count ?? 0} embeddings for {count} texts");
            for (var i = 0; i < count; i++)
            {
                var vector = embeddings[i].ToArray();
                CheckDimensions(vector.Length);
                VectorMath.Normalise(vector);
                results[start + i] = vector;
            }
        }

        return results;
    }

    private void CheckDimensions(int length)
    {
        var known = Interlocked.CompareExchange(ref dimensions, length, 0);
        if (known != 0 && known != length)
            throw new InvalidOperationException($"ollama model '{options.Model}' returned a {length}-dimension vector where {known} were expected: was the model replaced, or are the options' Dimensions wrong?");
    }

    private static OllamaEmbedderOptions Validate(OllamaEmbedderOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Model)) throw new ArgumentException("Model must name an Ollama embedding model", nameof(options));
        if (options.BatchSize < 1) throw new ArgumentException("BatchSize must be at least 1", nameof(options));
        if (options.MaxTokens < 1) throw new ArgumentException("MaxTokens must be at least 1", nameof(options));
        if (options.Dimensions is < 1) throw new ArgumentException("Dimensions, when given, must be at least 1", nameof(options));
        return options;
    }

    public void Dispose()
    {
        if (ownsHttpClient) client.Dispose();
    }
}
