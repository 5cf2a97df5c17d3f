using System.Net;
using ConvoCanvas.Search.Chroma;
using ConvoCanvas.Testing;

namespace ConvoCanvas.Search.Tests.Chroma;

[Collection(ChromaCollectionFixture.Name)]
public sealed class ChromaClientTests(ChromaServer server) : IAsyncLifetime
{
    private readonly ChromaTestContext context = new(server.Url);

    private ChromaClient Client => context.Client;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();

    private static Dictionary<string, object?> Meta(params (string Key, object? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public async Task Heartbeat_and_pre_flight_answer()
    {
        Assert.True(await Client.HeartbeatAsync() > 0);
        var preFlight = await Client.GetPreFlightAsync();
        Assert.True(preFlight.MaxBatchSize > 0);
        Assert.Same(await Client.GetPreFlightAsync(), await Client.GetPreFlightAsync());
        Assert.Equal(1, context.Handler.Count("/pre-flight-checks"));
    }

    [Fact]
    public async Task Collections_are_created_found_listed_and_deleted()
    {
        var name = $"lifecycle-{Guid.NewGuid():N}";
        var created = await Client.GetOrCreateCollectionAsync(name, ChromaTestContext.Cosine);
        Assert.NotEqual(Guid.Empty, created.Id);
        Assert.Equal(name, created.Name);
        Assert.Equal("cosine", created.Metadata?["hnsw:space"]);

        var again = await Client.GetOrCreateCollectionAsync(name, ChromaTestContext.Cosine);
        Assert.Equal(created.Id, again.Id);

        var found = await Client.GetCollectionAsync(name);
        Assert.Equal(created.Id, found?.Id);
        Assert.Contains(await Client.ListCollectionsAsync(), c => c.Id == created.Id && c.Name == name);

        Assert.True(await Client.DeleteCollectionAsync(name));
        Assert.Null(await Client.GetCollectionAsync(name));
        Assert.False(await Client.DeleteCollectionAsync(name));
        Assert.DoesNotContain(await Client.ListCollectionsAsync(), c => c.Id == created.Id);
    }

    [Fact]
    public async Task Upsert_then_count_counts_every_record()
    {
        var collection = await context.NewCollectionAsync("count");
        Assert.Equal(0, await Client.CountAsync(collection.Id));

        var records = Enumerable.Range(0, 25).Select(i => new ChromaRecord($"r{i}", Vectors.Random(i), $"document {i}")).ToList();
        await Client.UpsertAsync(collection.Id, records);

        Assert.Equal(25, await Client.CountAsync(collection.Id));
        Assert.Equal(Vectors.Dimension, (await Client.GetCollectionAsync(collection.Name))?.Dimension);
    }

    [Fact]
    public async Task Upserting_the_same_ids_twice_keeps_the_count_and_replaces_the_records()
    {
        var collection = await context.NewCollectionAsync("twice");
        var ids = Enumerable.Range(0, 5).Select(i => $"id-{i}").ToList();
        await Client.UpsertAsync(collection.Id, ids.Select((id, i) => new ChromaRecord(id, Vectors.Random(i), "first", Meta(("round", 1)))).ToList());
        await Client.UpsertAsync(collection.Id, ids.Select((id, i) => new ChromaRecord(id, Vectors.Random(i), "second", Meta(("round", 2)))).ToList());

        Assert.Equal(5, await Client.CountAsync(collection.Id));
        var stored = await Client.GetAsync(collection.Id, ids);
        Assert.Equal(5, stored.Count);
        Assert.All(stored, r =>
        {
            Assert.Equal("second", r.Document);
            Assert.Equal(2L, r.Metadata?["round"]);
        });
    }

    [Fact]
    public async Task Query_returns_the_nearest_records_by_cosine_distance_per_query()
    {
        var collection = await context.NewCollectionAsync("query");
        await Client.UpsertAsync(collection.Id,
        [
            new ChromaRecord("x", Vectors.Axis(0), "along x", Meta(("axis", "x"))),
            new ChromaRecord("y", Vectors.Axis(1), "along y", Meta(("axis", "y"))),
            new ChromaRecord("z", Vectors.Axis(2), "along z"),
            new ChromaRecord("near-x", Vectors.Between(0, 1, 0.8), "mostly x"),
            new ChromaRecord("near-y", Vectors.Between(1, 2, 0.6), "somewhat y"),
        ]);

        var results = await Client.QueryAsync(collection.Id, [Vectors.Axis(0), Vectors.Axis(1)], nResults: 3);

        Assert.Equal(2, results.Count);
        var forX = results[0];
        Assert.Equal(["x", "near-x"], forX.Take(2).Select(h => h.Id));
        Assert.Equal(0f, forX[0].Distance!.Value, 3);
        Assert.Equal(1 - 0.8f, forX[1].Distance!.Value, 3);
        Assert.Equal("along x", forX[0].Document);
        Assert.Equal("x", forX[0].Metadata?["axis"]);
        Assert.Null(forX[0].Embedding);
        Assert.True(forX.Zip(forX.Skip(1)).All(p => p.First.Distance <= p.Second.Distance), "hits are nearest first");

        var forY = results[1];
        Assert.Equal("y", forY[0].Id);
        Assert.Equal(["y", "near-x", "near-y"], forY.Select(h => h.Id));
        Assert.Equal(1 - 0.6f, forY[1].Distance!.Value, 3);

        var idsOnly = await Client.QueryAsync(collection.Id, [Vectors.Axis(2)], 1, include: ChromaInclude.Embeddings);
        var hit = Assert.Single(Assert.Single(idsOnly));
        Assert.Equal("z", hit.Id);
        Assert.Null(hit.Distance);
        Assert.Null(hit.Document);
        Assert.Equal(Vectors.Axis(2), hit.Embedding);
    }

    private async Task<ChromaCollection> FilterCollectionAsync()
    {
        var collection = await context.NewCollectionAsync("filter");
        var kinds = new[] { "note", "code", "chat" };
        await Client.UpsertAsync(collection.Id, Enumerable.Range(0, 9).Select(i => new ChromaRecord(
            $"m{i}",
            Vectors.Random(100 + i),
            i % 2 == 0 ? $"even document {i} about orleans" : $"odd document {i} about chroma",
            Meta(("kind", kinds[i % 3]), ("n", i), ("score", i / 2.0), ("pinned", i == 4)))).ToList());
        return collection;
    }

    private async Task<string[]> IdsWhereAsync(ChromaCollection collection, System.Text.Json.Nodes.JsonObject where) =>
        (await Client.GetAsync(collection.Id, where: where)).Select(r => r.Id).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task Where_filters_select_by_metadata()
    {
        var collection = await FilterCollectionAsync();

        Assert.Equal(["m1", "m4", "m7"], await IdsWhereAsync(collection, ChromaWhere.Eq("kind", "code")));
        Assert.Equal(["m0", "m1", "m3", "m4", "m6", "m7"], await IdsWhereAsync(collection, ChromaWhere.In("kind", ["note", "code"])));
        Assert.Equal(["m6", "m7"], await IdsWhereAsync(collection, ChromaWhere.And(ChromaWhere.In("kind", ["note", "code"]), ChromaWhere.Gte("n", 5))));
        Assert.Equal(["m0", "m1", "m2"], await IdsWhereAsync(collection, ChromaWhere.Lte("n", 2)));
        Assert.Equal(["m7", "m8"], await IdsWhereAsync(collection, ChromaWhere.Gte("score", 3.5)));
        Assert.Equal(["m4"], await IdsWhereAsync(collection, ChromaWhere.Eq("pinned", true)));
        Assert.Equal(["m0", "m8"], await IdsWhereAsync(collection, ChromaWhere.Or(ChromaWhere.Eq("n", 0), ChromaWhere.Eq("n", 8))));

        // The same filter narrows a query: nearest to m5's vector among "chat" records only.
        var hits = Assert.Single(await Client.QueryAsync(collection.Id, [Vectors.Random(105)], 9, where: ChromaWhere.Eq("kind", "chat")));
        Assert.Equal(["m2", "m5", "m8"], hits.Select(h => h.Id).Order(StringComparer.Ordinal));
        Assert.Equal("m5", hits[0].Id);
    }

    [Fact]
    public async Task Metadata_values_keep_their_types()
    {
        var collection = await context.NewCollectionAsync("types");
        await Client.UpsertAsync(collection.Id,
            [new ChromaRecord("t", Vectors.Axis(3), null, Meta(("s", "text"), ("i", 42), ("l", 1L << 40), ("d", 2.0), ("f", 0.25f), ("b", false)))]);

        var stored = Assert.Single(await Client.GetAsync(collection.Id, ["t"], include: ChromaInclude.Metadatas | ChromaInclude.Embeddings));
        Assert.Null(stored.Document);
        Assert.Equal(Vectors.Axis(3), stored.Embedding);
        var metadata = stored.Metadata!;
        Assert.Equal("text", metadata["s"]);
        Assert.True(metadata["i"] is long, $"i is {metadata["i"]?.GetType()}");
        Assert.Equal(42L, metadata["i"]);
        Assert.Equal(1L << 40, metadata["l"]);
        Assert.Equal(2.0, metadata["d"]);
        Assert.Equal(0.25, metadata["f"]);
        Assert.Equal(false, metadata["b"]);
    }

    [Fact]
    public async Task Metadata_of_an_unsupported_type_is_refused_before_sending()
    {
        var collection = await context.NewCollectionAsync("badmeta");
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Client.UpsertAsync(collection.Id,
            [new ChromaRecord("a", Vectors.Axis(0), null, Meta(("tags", new[] { "x", "y" })))]));
        Assert.Contains("tags", error.Message);
    }

    [Fact]
    public async Task Where_document_contains_selects_by_text()
    {
        var collection = await FilterCollectionAsync();

        var hits = Assert.Single(await Client.QueryAsync(collection.Id, [Vectors.Random(101)], 9, whereDocument: ChromaWhereDocument.Contains("about chroma")));
        Assert.Equal(["m1", "m3", "m5", "m7"], hits.Select(h => h.Id).Order(StringComparer.Ordinal));
        Assert.Equal("m1", hits[0].Id);

        var stored = await Client.GetAsync(collection.Id, where: ChromaWhere.Gte("n", 4), whereDocument: ChromaWhereDocument.Contains("orleans"));
        Assert.Equal(["m4", "m6", "m8"], stored.Select(r => r.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Get_by_ids_leaves_out_missing_ids_and_get_by_where_pages()
    {
        var collection = await FilterCollectionAsync();

        var byIds = await Client.GetAsync(collection.Id, ["m2", "missing", "m3"]);
        Assert.Equal(["m2", "m3"], byIds.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal("even document 2 about orleans", byIds.Single(r => r.Id == "m2").Document);
        Assert.Equal("chat", byIds.Single(r => r.Id == "m2").Metadata?["kind"]);

        var all = await IdsWhereAsync(collection, ChromaWhere.Gte("n", 0));
        Assert.Equal(9, all.Length);
        var page1 = await Client.GetAsync(collection.Id, where: ChromaWhere.Gte("n", 0), limit: 4, offset: 0);
        var page2 = await Client.GetAsync(collection.Id, where: ChromaWhere.Gte("n", 0), limit: 4, offset: 4);
        var page3 = await Client.GetAsync(collection.Id, where: ChromaWhere.Gte("n", 0), limit: 4, offset: 8);
        Assert.Equal([4, 4, 1], new[] { page1.Count, page2.Count, page3.Count });
        Assert.Equal(all, page1.Concat(page2).Concat(page3).Select(r => r.Id).Order(StringComparer.Ordinal));

        Assert.Empty(await Client.GetAsync(collection.Id, where: ChromaWhere.Eq("kind", "nothing")));
    }

    [Fact]
    public async Task Delete_by_ids_and_by_where_removes_exactly_those()
    {
        var collection = await FilterCollectionAsync();

        await Client.DeleteAsync(collection.Id, ids: ["m0", "m1", "not-there"]);
        Assert.Equal(7, await Client.CountAsync(collection.Id));
        Assert.Empty(await Client.GetAsync(collection.Id, ["m0", "m1"]));

        await Client.DeleteAsync(collection.Id, where: ChromaWhere.Eq("kind", "chat"));
        Assert.Equal(["m3", "m4", "m6", "m7"], await IdsWhereAsync(collection, ChromaWhere.Gte("n", 0)));

        await Assert.ThrowsAsync<ArgumentException>(() => Client.DeleteAsync(collection.Id));
        Assert.Equal(4, await Client.CountAsync(collection.Id));
    }

    [Fact]
    public async Task A_wrong_dimension_is_a_bad_request_that_names_the_dimension()
    {
        var collection = await context.NewCollectionAsync("dimension");
        await Client.UpsertAsync(collection.Id, [new ChromaRecord("a", Vectors.Axis(0))]);

        var error = await Assert.ThrowsAsync<ChromaBadRequestException>(() =>
            Client.UpsertAsync(collection.Id, [new ChromaRecord("b", new float[] { 1, 0, 0 })]));
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("dimension", error.Message);
        Assert.Contains(collection.Id.ToString(), error.Message);
        Assert.Contains("upsert", error.Message);

        var queryError = await Assert.ThrowsAsync<ChromaBadRequestException>(() =>
            Client.QueryAsync(collection.Id, [new float[] { 1, 0 }], 1));
        Assert.Contains("dimension", queryError.Message);

        // A 4xx is the caller's mistake: one request, no retries.
        Assert.Equal(1, context.Handler.Count("/query"));
        Assert.Equal(1, await Client.CountAsync(collection.Id));
    }

    [Fact]
    public async Task Mixed_dimensions_in_one_upsert_are_refused_before_sending()
    {
        var collection = await context.NewCollectionAsync("mixed");
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Client.UpsertAsync(collection.Id,
            [new ChromaRecord("a", Vectors.Axis(0)), new ChromaRecord("b", new float[] { 1, 0 })]));
        Assert.Contains("dimension", error.Message);
        Assert.Equal(0, context.Handler.Count("/upsert"));
    }

    [Fact]
    public async Task An_unknown_collection_id_is_not_found()
    {
        var unknown = Guid.NewGuid();

        var countError = await Assert.ThrowsAsync<ChromaNotFoundException>(() => Client.CountAsync(unknown));
        Assert.Equal(HttpStatusCode.NotFound, countError.StatusCode);
        Assert.Contains(unknown.ToString(), countError.Message);

        await Assert.ThrowsAsync<ChromaNotFoundException>(() => Client.UpsertAsync(unknown, [new ChromaRecord("a", Vectors.Axis(0))]));
        await Assert.ThrowsAsync<ChromaNotFoundException>(() => Client.QueryAsync(unknown, [Vectors.Axis(0)], 1));
    }
}
