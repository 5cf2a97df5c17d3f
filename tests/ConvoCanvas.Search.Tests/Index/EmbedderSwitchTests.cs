using ConvoCanvas.Search.Embeddings;
using ConvoCanvas.Search.Index;
using ConvoCanvas.Search.Query;

namespace ConvoCanvas.Search.Tests.Index;

/// <summary>
/// Switching embedders on the real services: the new embedder fills its own collection while the
/// old one keeps answering searches, a restart carries the switch on, and the old collection goes
/// once every source is in the new one.
/// </summary>
[Collection(SearchIndexCollection.Name)]
public sealed class EmbedderSwitchTests(SearchIndexFixture fixture)
{
    private const string Vault = "notes";

    private static readonly (string Path, string Markdown)[] Notes =
    [
        ("garden/tomatoes.md", "# Tomatoes\n\nPinch out the side shoots every week and water the pots in the evening so the roots stay cool."),
        ("homelab/backup.md", "# Backups\n\nThe NAS copies every volume snapshot to an external disk at night and keeps thirty generations."),
        ("music/guitar.md", "# Guitar practice\n\nTen minutes of scales, then chord changes between G and C until they ring clean without buzzing."),
    ];

    [Fact]
    public async Task The_old_embedder_answers_until_the_new_collection_has_every_source_then_its_collection_goes()
    {
        var first = await fixture.NewIndexAsync();
        var notes = Notes.Select(n => SearchIndexFixture.Note(n.Path, n.Markdown)).ToList();
        await first.Indexer.IndexAsync(notes.Select(n => first.Note(Vault, n)).ToList());
        var old = new VectorSpace(new SearchIndexFixture.RenamedEmbedder(fixture.Embedder, first.EmbedderId), first.Vectors);

        // The silo restarts with another embedder configured.
        var target = fixture.NewSpace();
        var spaces = new VectorSpaces(fixture.DataSource, target, EmbedderDescriptor.ForMiniLm(), _ => old);
        var index = fixture.Index(spaces);
        Assert.Same(old, await spaces.ServingAsync());
        Assert.Equal(new EmbedderSwitch(first.EmbedderId, target.Embedder.Id, 0, 3), await spaces.GetSwitchAsync());

        // One source re-embedded: the other two are only in the old collection, and still found by meaning.
        await index.Indexer.IndexAsync([index.Note(Vault, notes[0])]);
        Assert.Equal(new EmbedderSwitch(first.EmbedderId, target.Embedder.Id, 1, 3), await spaces.GetSwitchAsync());
        var guitar = await Search(index, "learning an instrument: practising fingering drills");
        Assert.Equal("music/guitar.md", guitar.Hits[0].Path);
        Assert.Equal(1, await target.Store.CountAsync());

        // An edit during the switch reaches the collection that answers.
        var edited = SearchIndexFixture.Note("homelab/backup.md", "# Backups\n\nRestic sends encrypted copies of the home directory to an offsite bucket every hour.");
        await index.Indexer.IndexAsync([index.Note(Vault, edited)]);
        Assert.Equal("homelab/backup.md", (await Search(index, "encrypted cloud storage of personal files")).Hits[0].Path);
        Assert.True(await spaces.GetSwitchAsync() is { Done: 2, Total: 3 });

        // A restart in the middle carries on with the old embedder serving.
        var restarted = new VectorSpaces(fixture.DataSource, target, EmbedderDescriptor.ForMiniLm(), _ => old);
        Assert.Equal(first.EmbedderId, (await restarted.ServingAsync()).Embedder.Id);

        // The last source: the new embedder serves and the old collection is deleted.
        await index.Indexer.IndexAsync([index.Note(Vault, notes[2])]);
        Assert.Null(await spaces.GetSwitchAsync());
        Assert.Same(target, await spaces.ServingAsync());
        Assert.Null(await fixture.NewChromaClient().GetCollectionAsync(first.Vectors.Name));
        Assert.Equal("music/guitar.md", (await Search(index, "learning an instrument: practising fingering drills")).Hits[0].Path);
        Assert.Equal(3, await target.Store.CountAsync());

        // Restarted again, nothing is left to switch.
        var settled = new VectorSpaces(fixture.DataSource, target, EmbedderDescriptor.ForMiniLm(), _ => throw new InvalidOperationException("the old embedder is not needed"));
        Assert.Same(target, await settled.ServingAsync());
    }

    [Fact]
    public async Task Without_a_way_to_make_the_old_embedder_the_new_one_answers_at_once()
    {
        var first = await fixture.NewIndexAsync();
        await first.Indexer.IndexAsync([first.Note(Vault, SearchIndexFixture.Note(Notes[0].Path, Notes[0].Markdown))]);

        var target = fixture.NewSpace();
        var spaces = new VectorSpaces(fixture.DataSource, target, EmbedderDescriptor.ForMiniLm(), _ => throw new InvalidOperationException("ollama model gone"));

        Assert.Same(target, await spaces.ServingAsync());
        Assert.Null(spaces.Previous);
    }

    [Fact]
    public void Only_miniLm_ids_can_be_read_back_into_an_embedder()
    {
        Assert.Equal(EmbedderDescriptor.ForMiniLm(), EmbedderDescriptor.FromId("minilm-l6-v2"));
        Assert.Equal(EmbedderDescriptor.ForMiniLm(128), EmbedderDescriptor.FromId("minilm-l6-v2-t128"));
        Assert.Null(EmbedderDescriptor.FromId("ollama-nomic-embed-text"));
        using var made = EmbedderDescriptor.ForMiniLm(128).Create(new Uri("http://127.0.0.1:9/"));
        Assert.Equal("minilm-l6-v2-t128", made.Id);
    }

    private static Task<SearchResult> Search(TestIndex index, string text) =>
        index.Searcher.SearchAsync(new SearchQuery { Text = text, Mode = SearchMode.Vector, Limit = 3 });
}
