using ConvoCanvas.Search.Index;
using ConvoCanvas.Search.Query;

namespace ConvoCanvas.Search.Tests.Index;

[Collection(SearchIndexCollection.Name)]
public sealed class SearchIndexTests(SearchIndexFixture fixture)
{
    private const string Vault = "notes";

    private static readonly (string Path, string Markdown)[] Notes =
    [
        ("homelab/k3s-dns.md", """
            ---
            tags: [homelab, k3s]
            ---
            # K3s DNS outage

            After the router handed the node a new DHCP lease, CoreDNS could not reach the upstream resolver
            and every pod lookup timed out. Pinning a static IP on the node fixed it.

            ## Checks

            Run `kubectl -n kube-system get pods` and look for CoreDNS restarts.
            """),
        ("cooking/bread.md", """
            ---
            tags: [cooking]
            ---
            # Sourdough bread

            Feed the starter the night before, mix flour and water, fold four times, bake at 250 degrees
            in a covered pot for twenty minutes and uncovered for twenty more.
            """),
        ("projects/gpu/vram.md", """
            ---
            tags: [projects/gpu]
            ---
            # Fitting models into 16 GB of VRAM

            Quantised 8B models at Q4 take about five gigabytes; the KV cache grows with the context length,
            so a 32k context can cost more than the weights.
            """),
    ];

    [Fact]
    public async Task Finds_a_note_by_meaning_and_by_keyword_and_notes_with_conversations_together()
    {
        var index = await fixture.NewIndexAsync();
        var items = Notes.Select(n => index.Note(Vault, SearchIndexFixture.Note(n.Path, n.Markdown))).ToList();
        var chat = SearchIndexFixture.Conversation("c1", "Kubernetes networking",
            ("user", "Why does my cluster lose name resolution after the router reboots?"),
            ("assistant", "The node's address probably changed; CoreDNS keeps the old upstream. Give the node a static address."));
        items.Add(index.Conversation(chat, "hash-c1"));
        var result = await index.Indexer.IndexAsync(items);

        Assert.Equal(4, result.Indexed);
        var (vectors, chunks) = await index.CountsAsync();
        Assert.Equal(chunks, vectors);
        Assert.True(chunks >= 4);

        // Worded differently from the note: no shared keyword except "pod" forms.
        var semantic = await index.SearchAsync("name resolution broke when the machine got another address", SearchMode.Vector);
        Assert.Contains(semantic.Hits.Take(2), h => h.Path == "homelab/k3s-dns.md");

        var keyword = await index.SearchAsync("sourdough starter", SearchMode.Keyword);
        Assert.Equal("cooking/bread.md", keyword.Hits[0].Path);
        Assert.NotEmpty(keyword.Hits[0].Highlights);
        var highlighted = keyword.Hits[0].Highlights.Select(h => keyword.Hits[0].Snippet.Substring(h.Start, h.Length).ToLowerInvariant()).ToList();
        Assert.Contains("starter", highlighted);

        var hybrid = await index.SearchAsync("CoreDNS static IP after DHCP change");
        Assert.Contains(hybrid.Hits, h => h.Kind == "note" && h.Path == "homelab/k3s-dns.md");
        Assert.Contains(hybrid.Hits, h => h.Kind == "conversation" && h.Path == "chatgpt:c1");
        Assert.All(hybrid.Hits, h => Assert.True(h.Score > 0));
        Assert.False(hybrid.Partial);
    }

    [Fact]
    public async Task Filters_by_kind_tag_nested_tag_path_and_source()
    {
        var index = await fixture.NewIndexAsync();
        var items = Notes.Select(n => index.Note(Vault, SearchIndexFixture.Note(n.Path, n.Markdown))).ToList();
        items.Add(index.Conversation(SearchIndexFixture.Conversation("c2", "VRAM budget", ("user", "How much VRAM does an 8B model need?"), ("assistant", "About five gigabytes at Q4 plus the KV cache.")), "hash-c2"));
        await index.Indexer.IndexAsync(items);

        var notesOnly = await index.SearchAsync("VRAM for models", filter: new SearchFilter { Kind = "note" });
        Assert.All(notesOnly.Hits, h => Assert.Equal("note", h.Kind));
        Assert.Contains(notesOnly.Hits, h => h.Path == "projects/gpu/vram.md");

        var chatsOnly = await index.SearchAsync("VRAM for models", filter: new SearchFilter { Kind = "conversation", Sources = ["chatgpt"] });
        Assert.All(chatsOnly.Hits, h => Assert.Equal("conversation", h.Kind));
        Assert.NotEmpty(chatsOnly.Hits);

        var nested = await index.SearchAsync("VRAM for models", filter: new SearchFilter { Tags = ["projects"] });
        Assert.Equal(["projects/gpu/vram.md"], nested.Hits.Select(h => h.Path));

        var byPath = await index.SearchAsync("bread", filter: new SearchFilter { PathPrefix = "homelab/" });
        Assert.All(byPath.Hits, h => Assert.StartsWith("homelab/", h.Path));
    }

    [Fact]
    public async Task Re_indexing_unchanged_content_embeds_nothing_and_an_edit_embeds_only_what_changed()
    {
        var index = await fixture.NewIndexAsync();
        var original = string.Join("\n\n", Enumerable.Range(1, 12).Select(i => $"## Section {i}\n\n{Paragraph(i)}"));
        var first = await index.Indexer.IndexAsync([index.Note(Vault, SearchIndexFixture.Note("long.md", "# Long note\n\n" + original))]);
        Assert.True(first.ChunksEmbedded >= 3, $"expected several chunks, got {first.ChunksEmbedded}");
        var counts = await index.CountsAsync();

        var again = await index.Indexer.IndexAsync([index.Note(Vault, SearchIndexFixture.Note("long.md", "# Long note\n\n" + original))]);
        Assert.Equal(1, again.Unchanged);
        Assert.Equal(0, again.ChunksEmbedded);
        Assert.Equal(counts, await index.CountsAsync());

        var edited = original.Replace(Paragraph(7), Paragraph(7) + " An added sentence about lighthouses.");
        var third = await index.Indexer.IndexAsync([index.Note(Vault, SearchIndexFixture.Note("long.md", "# Long note\n\n" + edited))]);
        Assert.Equal(1, third.Indexed);
        Assert.InRange(third.ChunksEmbedded, 1, 2);
        Assert.True(third.ChunksFromCache >= first.ChunksEmbedded - 2);
        var hit = (await index.SearchAsync("lighthouses", SearchMode.Keyword)).Hits.Single();
        Assert.Equal("long.md", hit.Path);
    }

    [Fact]
    public async Task Identical_chunks_in_two_notes_are_embedded_once()
    {
        var index = await fixture.NewIndexAsync();
        const string body = "# Shared\n\nThe same paragraph copied into two notes, word for word, about tide tables.";
        var result = await index.Indexer.IndexAsync([index.Note(Vault, SearchIndexFixture.Note("a/copy.md", body)), index.Note(Vault, SearchIndexFixture.Note("b/copy.md", body))]);
        Assert.Equal(2, result.Indexed);
        Assert.Equal(1, result.ChunksEmbedded);
        Assert.Equal(1, await index.Cache.CountAsync(index.EmbedderId));
        Assert.Equal((2L, 2L), await index.CountsAsync());
    }

    [Fact]
    public async Task A_shrinking_note_leaves_no_stale_vectors_and_removal_deletes_everything()
    {
        var index = await fixture.NewIndexAsync();
        var big = "# Big\n\n" + string.Join("\n\n", Enumerable.Range(1, 15).Select(i => $"## Part {i}\n\n{Paragraph(i)}"));
        await index.Indexer.IndexAsync([index.Note(Vault, SearchIndexFixture.Note("big.md", big))]);
        var (before, _) = await index.CountsAsync();
        Assert.True(before > 3);

        await index.Indexer.IndexAsync([index.Note(Vault, SearchIndexFixture.Note("big.md", "# Big\n\nNow only one short paragraph."))]);
        Assert.Equal((1L, 1L), await index.CountsAsync());

        await index.Indexer.RemoveAsync([SourceIds.Note(Vault, "big.md")]);
        Assert.Equal((0L, 0L), await index.CountsAsync());
        Assert.Empty((await index.SearchAsync("short paragraph")).Hits);
    }

    [Fact]
    public async Task An_interrupted_write_is_finished_by_the_next_attempt_without_duplicates_or_leftovers()
    {
        var crash = new CrashingVectorStore();
        var index = await fixture.NewIndexAsync(store => crash.Wrap(store));
        var big = "# Crash\n\n" + string.Join("\n\n", Enumerable.Range(1, 10).Select(i => $"## Part {i}\n\n{Paragraph(i)}"));
        crash.FailAfterUpsert = true;
        await Assert.ThrowsAsync<IOException>(() => index.Indexer.IndexAsync([index.Note(Vault, SearchIndexFixture.Note("crash.md", big))]));
        var state = (await index.Keywords.GetStatesAsync([SourceIds.Note(Vault, "crash.md")])).Values.Single();
        Assert.Equal(IndexStatuses.Pending, state.Status);
        Assert.True(state.PendingChunks > 3);
        Assert.True(await index.Vectors.CountAsync() > 3);

        // The next version is smaller: the vectors the crashed write left beyond it must go.
        crash.FailAfterUpsert = false;
        var result = await index.Indexer.IndexAsync([index.Note(Vault, SearchIndexFixture.Note("crash.md", "# Crash\n\nSmall now."))]);
        Assert.Equal(1, result.Indexed);
        Assert.Equal((1L, 1L), await index.CountsAsync());
        state = (await index.Keywords.GetStatesAsync([SourceIds.Note(Vault, "crash.md")])).Values.Single();
        Assert.Null(state.PendingChunks);
        Assert.Equal(IndexStatuses.Indexed, state.Status);
    }

    [Fact]
    public async Task With_ChromaDB_down_indexing_fails_softly_and_search_answers_from_keywords_marked_partial()
    {
        var index = await fixture.NewIndexAsync();
        await index.Indexer.IndexAsync([index.Note(Vault, SearchIndexFixture.Note("tides.md", "# Tides\n\nSpring tides come after the full moon and the new moon."))]);
        await fixture.Chroma.StopAsync();
        try
        {
            var failed = await index.Indexer.IndexAsync([index.Note(Vault, SearchIndexFixture.Note("moon.md", "# Moon\n\nThe moon has phases: new, waxing, full, waning."))]);
            Assert.Equal(1, failed.Failed);
            Assert.Contains("not reachable", failed.Sources.Single().Reason, StringComparison.OrdinalIgnoreCase);
            var state = (await index.Keywords.GetStatesAsync([SourceIds.Note(Vault, "moon.md")])).Values.Single();
            Assert.Equal(IndexStatuses.Failed, state.Status);

            var partial = await index.SearchAsync("spring tides full moon");
            Assert.True(partial.Partial);
            Assert.Contains(partial.Warnings, w => w.Contains("keyword results only", StringComparison.Ordinal));
            Assert.Equal("tides.md", partial.Hits[0].Path);
        }
        finally
        {
            await fixture.Chroma.StartAsync();
        }
        var retried = await index.Indexer.IndexAsync([index.Note(Vault, SearchIndexFixture.Note("moon.md", "# Moon\n\nThe moon has phases: new, waxing, full, waning."))]);
        Assert.Equal(1, retried.Indexed);
        var (vectors, chunks) = await index.CountsAsync();
        Assert.Equal(chunks, vectors);
    }

    [Fact]
    public async Task Related_finds_the_nearest_other_sources()
    {
        var index = await fixture.NewIndexAsync();
        var items = Notes.Select(n => index.Note(Vault, SearchIndexFixture.Note(n.Path, n.Markdown))).ToList();
        items.Add(index.Conversation(SearchIndexFixture.Conversation("c3", "Baking", ("user", "My sourdough loaf came out flat, what went wrong?"), ("assistant", "The starter was probably not active; feed it and let it double before mixing the dough.")), "hash-c3"));
        await index.Indexer.IndexAsync(items);

        var related = await index.Searcher.RelatedAsync(SourceIds.Note(Vault, "cooking/bread.md"), 3);
        Assert.DoesNotContain(related.Hits, h => h.Path == "cooking/bread.md");
        Assert.Equal("chatgpt:c3", related.Hits[0].Path);
    }

    [Fact]
    public async Task Bad_queries_get_clear_errors_and_a_huge_query_is_cut_with_a_warning()
    {
        var index = await fixture.NewIndexAsync();
        await index.Indexer.IndexAsync([index.Note(Vault, SearchIndexFixture.Note("x.md", "# X\n\nSomething about harbours."))]);
        var empty = await Assert.ThrowsAsync<InvalidSearchQueryException>(() => index.SearchAsync("   "));
        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);
        var kind = await Assert.ThrowsAsync<InvalidSearchQueryException>(() => index.SearchAsync("harbours", filter: new SearchFilter { Kind = "email" }));
        Assert.Contains("email", kind.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidSearchQueryException>(() => index.SearchAsync("harbours", limit: 0));

        var huge = await index.SearchAsync("harbours " + new string('x', 10_000));
        Assert.Contains(huge.Warnings, w => w.Contains("characters", StringComparison.Ordinal));
        Assert.Equal("x.md", huge.Hits[0].Path);
    }

    private static string Paragraph(int i) =>
        $"Paragraph {i} talks about topic number {i} at some length so that the chunker has real text to pack: " +
        string.Join(' ', Enumerable.Range(0, 60).Select(w => $"word{(i * 31 + w) % 97}"));
}

/// <summary>Forwards to the real store, and can throw right after an upsert: a crash between writing vectors and committing.</summary>
internal sealed class CrashingVectorStore
{
    public bool FailAfterUpsert { get; set; }

    public IVectorStore Wrap(IVectorStore inner) => new Store(inner, this);

    private sealed class Store(IVectorStore inner, CrashingVectorStore control) : IVectorStore
    {
        public string Name => inner.Name;

        public async Task UpsertAsync(IReadOnlyList<VectorRecord> records, CancellationToken cancellationToken = default)
        {
            await inner.UpsertAsync(records, cancellationToken);
            if (control.FailAfterUpsert)
            {
                throw new IOException("simulated crash after the vectors were written");
            }
        }

        public Task DeleteAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default) => inner.DeleteAsync(ids, cancellationToken);
        public Task<IReadOnlyList<VectorHit>> QueryAsync(float[] vector, int limit, VectorFilter? filter, CancellationToken cancellationToken = default) => inner.QueryAsync(vector, limit, filter, cancellationToken);
        public Task<IReadOnlyList<float[]>> GetVectorsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default) => inner.GetVectorsAsync(ids, cancellationToken);
        public Task<long> CountAsync(CancellationToken cancellationToken = default) => inner.CountAsync(cancellationToken);
        public Task<bool> IsAvailableAsync(CancellationToken cancellationToken = default) => inner.IsAvailableAsync(cancellationToken);
        public Task<bool> DropAsync(CancellationToken cancellationToken = default) => inner.DropAsync(cancellationToken);
    }
}
