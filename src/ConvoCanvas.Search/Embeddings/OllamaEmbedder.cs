using OllamaSharp;
using OllamaSharp.Models;

namespace ConvoCanvas.Search.Embeddings;

/// <summary>
/// Embeddings from an Ollama server's <c>/api/embed</c> (nomic-embed-text by default). Vectors come
/// back scaled to unit length whatever the model returns, so cosine and dot product agree.
/// </summary>
public sealed class OllamaEmbedder : IEmbedder
{
    private readonly OllamaApiClient client;
    private readonly OllamaEmbedderOptions options;
    private readonly Func<string, int> countTokens;
    private readonly bool ownsHttpClient;
    private int dimensions;

    /// <param name="http">Its <see cref="HttpClient.BaseAddress"/> is the server (http://localhost:11434). The caller keeps ownership.</param>
    public OllamaEmbedder(HttpClient http, OllamaEmbedderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null) throw new ArgumentException("the HttpClient needs a BaseAddress: the Ollama server, e.g. http://localhost:11434", nameof(http));
        this.options = Validate(options ?? new OllamaEmbedderOptions());
        client = new OllamaApiClient(http, this.options.Model);
        countTokens = this.options.TokenCounter ?? EstimateTokens;
        dimensions = this.options.Dimensions ?? 0;
    }

    public OllamaEmbedder(Uri endpoint, string model = OllamaEmbedderOptions.DefaultModel)
        : this(new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromMinutes(5) }, new OllamaEmbedderOptions { Model = model })
    {
        ownsHttpClient = true;
    }

    /// <summary><c>ollama-</c> and the model name in lower case, with anything but letters, digits, <c>.</c> and <c>-</c> as <c>-</c>.</summary>
    public string Id => "ollama-" + new string(options.Model.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '-').ToArray());

    /// <summary>From the options, else from the first response; 0 until then.</summary>
    public int Dimensions => Volatile.Read(ref dimensions);

    public int MaxTokens => options.MaxTokens;

    public int CountTokens(string text) => string.IsNullOrEmpty(text) ? 0 : countTokens(text);

    /// <summary>
    /// Ollama has no tokenising endpoint, so without <see cref="OllamaEmbedderOptions.TokenCounter"/>
    /// tokens are estimated as one per three characters, rounded up: word-piece and BPE
    /// vocabularies average about four characters per token on English prose and fewer on code and
    /// other scripts, so the estimate errs high and chunks sized by it fit the model's context.
    /// </summary>
    public static int EstimateTokens(string text) => (text.Length + 2) / 3;

    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var results = new float[texts.Count][];
        for (var start = 0; start < texts.Count; start += options.BatchSize)
        {
            var count = Math.Min(options.BatchSize, texts.Count - start);
            var request = new EmbedRequest
            {
                Model = options.Model,
                Input = texts.Skip(start).Take(count).Select(t => t ?? "").ToList(),
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
