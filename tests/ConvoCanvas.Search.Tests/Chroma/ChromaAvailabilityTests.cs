using System.Diagnostics;
using System.Net;
using ConvoCanvas.Search.Chroma;
using ConvoCanvas.Testing;

namespace ConvoCanvas.Search.Tests.Chroma;

public sealed class ChromaAvailabilityTests
{
    private static readonly ChromaClientOptions FastRetries = new()
    {
        MaxAttempts = 4,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        AttemptTimeout = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task A_server_that_is_not_there_is_unavailable_after_the_retries()
    {
        var url = new Uri($"http://127.0.0.1:{PostgresServer.FreeTcpPort()}");
        using var handler = new CountingHandler();
        var client = new ChromaClient(new HttpClient(handler) { BaseAddress = url }, FastRetries);

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ChromaUnavailableException>(() => client.CountAsync(Guid.NewGuid()));
        clock.Stop();

        Assert.Equal(4, handler.Requests.Count);
        Assert.Contains($"ChromaDB at {url}", error.Message);
        Assert.Contains("not reachable", error.Message);
        Assert.IsType<HttpRequestException>(error.InnerException);
        Assert.Null(error.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"gave up after {clock.Elapsed}");
    }

    [Fact]
    public async Task A_transient_503_is_retried_until_it_succeeds()
    {
        var stub = new StubHandler(attempt => attempt <= 2
            ? StubHandler.Json(HttpStatusCode.ServiceUnavailable, "{\"error\":\"Unavailable\",\"message\":\"busy\"}")
            : StubHandler.Json(HttpStatusCode.OK, "{\"nanosecond heartbeat\":1234}"));
        var client = new ChromaClient(new HttpClient(stub) { BaseAddress = new Uri("http://chroma.invalid:1") }, FastRetries);

        Assert.Equal(1234, await client.HeartbeatAsync());
        Assert.Equal(3, stub.Attempts);
    }

    [Fact]
    public async Task A_503_that_does_not_pass_is_unavailable_with_its_status()
    {
        var stub = new StubHandler(_ => StubHandler.Json(HttpStatusCode.ServiceUnavailable, "overloaded"));
        var client = new ChromaClient(new HttpClient(stub) { BaseAddress = new Uri("http://chroma.invalid:1") }, FastRetries);

        var error = await Assert.ThrowsAsync<ChromaUnavailableException>(() => client.CountAsync(Guid.NewGuid()));
        Assert.Equal(4, stub.Attempts);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Contains("overloaded", error.Message);
    }

    [Fact]
    public async Task A_4xx_is_not_retried_and_a_plain_text_413_is_understood()
    {
        var stub = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.RequestEntityTooLarge) { Content = new StringContent("Payload too large") });
        var client = new ChromaClient(new HttpClient(stub) { BaseAddress = new Uri("http://chroma.invalid:1") }, FastRetries);

        var error = await Assert.ThrowsAsync<ChromaPayloadTooLargeException>(() => client.DeleteAsync(Guid.NewGuid(), where: ChromaWhere.Eq("k", "v")));
        Assert.Equal(1, stub.Attempts);
        Assert.Equal("Payload too large", error.ServerMessage);
        Assert.Contains("MaxRequestBytes", error.Message);
    }

    [Fact]
    public async Task A_409_is_a_conflict()
    {
        var stub = new StubHandler(_ => StubHandler.Json(HttpStatusCode.Conflict, "{\"error\":\"ChromaError\",\"message\":\"Collection [x] already exists\"}"));
        var client = new ChromaClient(new HttpClient(stub) { BaseAddress = new Uri("http://chroma.invalid:1") }, FastRetries);

        var error = await Assert.ThrowsAsync<ChromaConflictException>(() => client.GetOrCreateCollectionAsync("x"));
        Assert.Equal("ChromaError", error.ServerError);
        Assert.Contains("collection 'x'", error.Message);
        Assert.Equal(1, stub.Attempts);
    }

    [Fact]
    public async Task ChromaDB_down_then_back_keeps_the_data()
    {
        await using var server = new PrivateChromaServerScope();
        await server.Server.InitializeAsync();
        var client = new ChromaClient(new HttpClient { BaseAddress = server.Server.Url }, FastRetries);
        var collection = await client.GetOrCreateCollectionAsync("restart", ChromaTestContext.Cosine);
        await client.UpsertAsync(collection.Id, Enumerable.Range(0, 12).Select(i => new ChromaRecord($"k{i}", Vectors.Random(i), $"doc {i}")).ToList());

        await server.Server.StopAsync();
        var error = await Assert.ThrowsAsync<ChromaUnavailableException>(() => client.CountAsync(collection.Id));
        Assert.Contains(server.Server.Url.ToString(), error.Message);

        await server.Server.StartAsync();
        Assert.Equal(12, await client.CountAsync(collection.Id));
        var hit = Assert.Single(Assert.Single(await client.QueryAsync(collection.Id, [Vectors.Random(3)], 1)));
        Assert.Equal("k3", hit.Id);
    }

    /// <summary>Disposes the private server even when the test fails half-way.</summary>
    private sealed class PrivateChromaServerScope : IAsyncDisposable
    {
        public PrivateChromaServer Server { get; } = new();

        public async ValueTask DisposeAsync() => await Server.DisposeAsync();
    }
}
