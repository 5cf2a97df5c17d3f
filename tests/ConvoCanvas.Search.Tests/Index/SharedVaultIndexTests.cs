using ConvoCanvas.Ingest.Vault;
using ConvoCanvas.Search.Index;
using ConvoCanvas.Testing;

namespace ConvoCanvas.Search.Tests.Index;

/// <summary>Every note of the real vaults in ../shared/data/obsidian goes through the whole index, in indexer-sized batches.</summary>
[Collection(SearchIndexCollection.Name)]
public sealed class SharedVaultIndexTests(SearchIndexFixture fixture)
{
    [Theory]
    [InlineData("kepano-obsidian")]
    [InlineData("tasks-demo-vault")]
    public async Task Every_note_of_a_shared_vault_is_indexed_and_both_stores_agree(string name)
    {
        if (RepositoryPaths.SharedData is not { } shared)
        {
            Console.WriteLine("skipped: ../shared/data is absent");
            return;
        }
        var index = await fixture.NewIndexAsync();
        var notes = new VaultScanner().Scan(Path.Combine(shared, "obsidian", name)).Where(e => e.Note is not null).Select(e => e.Note!).ToList();
        var items = notes.Select(n => index.Note(name, n)).ToList();
        var expected = items.Sum(i => i.Chunked.Chunks.Count);
        foreach (var batch in items.Chunk(64))
        {
            var result = await index.Indexer.IndexAsync(batch);
            Assert.True(result.Failed == 0, string.Join("; ", result.Sources.Where(s => s.Reason is not null).Select(s => $"{s.SourceId}: {s.Reason}")));
        }
        Assert.Equal((long)expected, (await index.Keywords.CountAsync()).Chunks);
        Assert.Equal((long)expected, await index.Vectors.CountAsync());
        var states = new List<IndexedSourceState>();
        await foreach (var state in index.Keywords.ListStatesAsync(vault: name))
        {
            states.Add(state);
        }
        Assert.Equal(notes.Count, states.Count);
        Assert.All(states, s => Assert.Contains(s.Status, new[] { IndexStatuses.Indexed, IndexStatuses.Skipped }));
    }
}
