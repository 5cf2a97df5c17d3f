using ConvoCanvas.Search.Chroma;
using ConvoCanvas.Testing;

namespace ConvoCanvas.Search.Tests.Chroma;

[Collection(ChromaCollectionFixture.Name)]
public sealed class ChromaBatchingTests(ChromaServer server)
{
    private static List<ChromaRecord> Records(int count) =>
        Enumerable.Range(0, count).Select(i => new ChromaRecord(
            $"batch-{i:D4}", Vectors.Random(1000 + i), $"document number {i}",
            new Dictionary<string, object?> { ["i"] = i, ["kind"] = "batch" })).ToList();

    [Fact]
    public async Task Upsert_splits_into_batches_of_the_configured_size()
    {
        await using var context = new ChromaTestContext(server.Url, new ChromaClientOptions { MaxBatchSize = 7 });
        var collection = await context.NewCollectionAsync("batchsize");

        await context.Client.UpsertAsync(collection.Id, Records(50));

        Assert.Equal(8, context.Handler.Count("/upsert")); // ⌈50 / 7⌉
        Assert.Equal(50, await context.Client.CountAsync(collection.Id));
    }

    [Fact]
    public async Task Upsert_splits_into_requests_under_the_size_limit()
    {
        const long limit = 40_000;
        await using var context = new ChromaTestContext(server.Url, new ChromaClientOptions { MaxRequestBytes = limit });
        var collection = await context.NewCollectionAsync("batchbytes");

        await context.Client.UpsertAsync(collection.Id, Records(30));

        var sizes = context.Handler.Sizes("/upsert").ToList();
        // A 384-dimensional record is ~4–8 KB of JSON: several fit, never all thirty.
        Assert.InRange(sizes.Count, 5, 29);
        Assert.All(sizes, size => Assert.InRange(size, 1, limit));
        Assert.Equal(30, await context.Client.CountAsync(collection.Id));
        var stored = await context.Client.GetAsync(collection.Id, ["batch-0000", "batch-0029"]);
        Assert.Equal(2, stored.Count);
    }

    [Fact]
    public async Task Both_limits_hold_together_and_delete_by_ids_is_batched_too()
    {
        await using var context = new ChromaTestContext(server.Url, new ChromaClientOptions { MaxBatchSize = 10, MaxRequestBytes = 1_000_000 });
        var collection = await context.NewCollectionAsync("batchdelete");
        var records = Records(45);

        await context.Client.UpsertAsync(collection.Id, records);
        Assert.Equal(5, context.Handler.Count("/upsert"));
        Assert.Equal(45, await context.Client.CountAsync(collection.Id));

        await context.Client.DeleteAsync(collection.Id, ids: records.Take(32).Select(r => r.Id).ToList());
        Assert.Equal(4, context.Handler.Count("/delete"));
        Assert.Equal(13, await context.Client.CountAsync(collection.Id));
    }

    [Fact]
    public async Task Without_options_the_servers_max_batch_size_applies()
    {
        await using var context = new ChromaTestContext(server.Url);
        var collection = await context.NewCollectionAsync("batchserver");
        var maxBatch = (await context.Client.GetPreFlightAsync()).MaxBatchSize;

        // Small records (2 dimensions) so that only the count limit splits.
        var records = Enumerable.Range(0, maxBatch + 3).Select(i => new ChromaRecord($"s{i}", new float[] { 1, i })).ToList();
        await context.Client.UpsertAsync(collection.Id, records);

        Assert.Equal(2, context.Handler.Count("/upsert"));
        Assert.Equal(maxBatch + 3, await context.Client.CountAsync(collection.Id));
    }

    private static List<ChromaRecord> WideRecords(int count)
    {
        // 1,536 dimensions: a batch of the server's own max_batch_size is far over its body limit.
        var random = new Random(42);
        return Enumerable.Range(0, count).Select(i => new ChromaRecord(
            $"wide-{i}", Enumerable.Range(0, 1536).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray())).ToList();
    }

    [Fact]
    public async Task The_size_limit_keeps_requests_under_the_servers_body_limit()
    {
        var records = WideRecords(2500); // ~50 MB of JSON

        await using (var unlimited = new ChromaTestContext(server.Url, new ChromaClientOptions { MaxRequestBytes = long.MaxValue, MaxAttempts = 1 }))
        {
            var collection = await unlimited.NewCollectionAsync("toolarge");
            var error = await Assert.ThrowsAsync<ChromaPayloadTooLargeException>(() => unlimited.Client.UpsertAsync(collection.Id, records));
            Assert.Contains("MaxRequestBytes", error.Message);
            Assert.Equal(0, await unlimited.Client.CountAsync(collection.Id));
        }

        await using var limited = new ChromaTestContext(server.Url);
        var stored = await limited.NewCollectionAsync("underlimit");
        await limited.Client.UpsertAsync(stored.Id, records);
        Assert.True(limited.Handler.Count("/upsert") >= 3, "the default 16 MiB limit splits ~50 MB");
        Assert.All(limited.Handler.Sizes("/upsert"), size => Assert.InRange(size, 1, ChromaClientOptions.DefaultMaxRequestBytes));
        Assert.Equal(records.Count, await limited.Client.CountAsync(stored.Id));
    }

    [Fact]
    public void The_size_estimate_is_an_upper_bound_of_the_serialized_record()
    {
        var record = new ChromaRecord("ünïcode-id", Vectors.Random(7), "text with \"quotes\", émoji 🎉 and\nlines",
            new Dictionary<string, object?> { ["title"] = "Fix DNS — again", ["n"] = long.MaxValue, ["x"] = -1.2345678e-5, ["b"] = true });
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
            new { ids = new[] { record.Id }, embeddings = new[] { record.Embedding }, documents = new[] { record.Document }, metadatas = new[] { record.Metadata } },
            ChromaJson.Options);
        Assert.True(ChromaClient.EstimateBytes(record) >= json.Length - 60, $"estimate {ChromaClient.EstimateBytes(record)} vs {json.Length} bytes");
        Assert.True(ChromaClient.EstimateBytes(record) < json.Length * 3, "the estimate is not wildly above");
    }
}
