using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ConvoCanvas.Search.Chroma;
using ConvoCanvas.Testing;

namespace ConvoCanvas.Search.Tests.Chroma;

[CollectionDefinition(Name)]
public sealed class ChromaCollectionFixture : ICollectionFixture<ChromaServer>
{
    public const string Name = "ChromaDB";
}

/// <summary>Small 384-dimensional unit vectors with known cosine similarities.</summary>
internal static class Vectors
{
    public const int Dimension = 384;

    /// <summary>The unit vector along axis <paramref name="axis"/>.</summary>
    public static float[] Axis(int axis)
    {
        var vector = new float[Dimension];
        vector[axis] = 1f;
        return vector;
    }

    /// <summary>cos(angle)·e_a + sin(angle)·e_b: its cosine similarity to e_a is cos(angle).</summary>
    public static float[] Between(int a, int b, double cosine)
    {
        var vector = new float[Dimension];
        vector[a] = (float)cosine;
        vector[b] = (float)Math.Sqrt(1 - (cosine * cosine));
        return vector;
    }

    /// <summary>A deterministic pseudo-random unit vector.</summary>
    public static float[] Random(int seed)
    {
        var random = new Random(seed);
        var vector = new float[Dimension];
        double norm = 0;
        for (var i = 0; i < Dimension; i++)
        {
            vector[i] = (float)(random.NextDouble() - 0.5);
            norm += vector[i] * vector[i];
        }

        norm = Math.Sqrt(norm);
        for (var i = 0; i < Dimension; i++)
        {
            vector[i] = (float)(vector[i] / norm);
        }

        return vector;
    }
}

/// <summary>Counts the requests that pass through it, and the size of each body, by path ending.</summary>
internal sealed class CountingHandler() : DelegatingHandler(ChromaClient.CreateHandler())
{
    public ConcurrentQueue<(string Path, long Bytes)> Requests { get; } = new();

    public int Count(string pathEnd) => Requests.Count(r => r.Path.EndsWith(pathEnd, StringComparison.Ordinal));

    public IEnumerable<long> Sizes(string pathEnd) => Requests.Where(r => r.Path.EndsWith(pathEnd, StringComparison.Ordinal)).Select(r => r.Bytes);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        long bytes = 0;
        if (request.Content is not null)
        {
            bytes = (await request.Content.ReadAsByteArrayAsync(cancellationToken)).Length;
        }

        Requests.Enqueue((request.RequestUri!.AbsolutePath, bytes));
        return await base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Answers every request itself: attempt number (from 1) in, response out.</summary>
internal sealed class StubHandler(Func<int, HttpResponseMessage> answer) : HttpMessageHandler
{
    private int attempts;

    public int Attempts => attempts;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Task.FromResult(answer(Interlocked.Increment(ref attempts)));

    public static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}

/// <summary>A client on the shared server, and collections that are deleted after the test.</summary>
internal sealed class ChromaTestContext(Uri url, ChromaClientOptions? options = null) : IAsyncDisposable
{
    private readonly List<string> names = [];

    public CountingHandler Handler { get; } = new();

    public ChromaClient Client => client ??= new ChromaClient(new HttpClient(Handler) { BaseAddress = url }, options);

    private ChromaClient? client;

    public static readonly IReadOnlyDictionary<string, object?> Cosine = new Dictionary<string, object?> { ["hnsw:space"] = "cosine" };

    public async Task<ChromaCollection> NewCollectionAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}";
        names.Add(name);
        return await Client.GetOrCreateCollectionAsync(name, Cosine);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in names)
        {
            try
            {
                await Client.DeleteCollectionAsync(name);
            }
            catch (ChromaException)
            {
                // Clean-up only; the test's own assertions decide.
            }
        }

        Handler.Dispose();
    }
}
