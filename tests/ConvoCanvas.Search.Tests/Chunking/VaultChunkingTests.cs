using ConvoCanvas.Ingest.Vault;
using ConvoCanvas.Search.Chunking;
using ConvoCanvas.Search.Embeddings;
using ConvoCanvas.Search.Tests.Embeddings;
using ConvoCanvas.Testing;
using Xunit.Abstractions;

namespace ConvoCanvas.Search.Tests.Chunking;

/// <summary>Every markdown note of the two real vaults in the shared test data (read in place).</summary>
[Collection(MiniLmCollection.Name)]
public sealed class VaultChunkingTests(MiniLmFixture fixture, ITestOutputHelper output)
{
    private readonly MiniLmEmbedder embedder = fixture.Embedder;

    [Theory]
    [InlineData(256, 32)]
    [InlineData(64, 8)]
    public void Every_chunk_of_every_vault_note_fits_the_limit(int maxTokens, int overlap)
    {
        var vaults = Vaults();
        if (vaults.Count == 0) return;
        var chunker = new MarkdownChunker(embedder, new ChunkingOptions { MaxTokens = maxTokens, OverlapTokens = overlap, MinTokens = maxTokens / 10 });
        int notes = 0, chunks = 0, skipped = 0;

        foreach (var vault in vaults)
        {
            foreach (var file in Directory.EnumerateFiles(vault, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                VaultNote note;
                try
                {
                    note = VaultNoteParser.Parse(Path.GetRelativePath(vault, file), File.ReadAllBytes(file));
                }
                catch (VaultFileException)
                {
                    skipped++;
                    continue;
                }

                var result = chunker.Chunk(note, Path.GetFileName(vault));
                notes++;
                foreach (var chunk in result.Chunks)
                {
                    chunks++;
                    var tokens = embedder.CountTokens(chunk.Text);
                    Assert.True(tokens <= maxTokens, $"{file} chunk {chunk.Ordinal}: {tokens} tokens");
                    Assert.Equal(tokens, chunk.Tokens);
                    // A title of over a quarter of the limit is cut short in the prefix.
                    if (embedder.CountTokens(note.Title) <= maxTokens / 4) Assert.StartsWith(note.Title + (chunk.Heading is null ? "\n\n" : " > "), chunk.Text);
                }

                if (note.Body.Trim().Length > 0 && result.Chunks.Count == 0 && note.Body.Contains(' '))
                    output.WriteLine($"no chunks: {file}");
            }
        }

        output.WriteLine($"{notes} notes, {chunks} chunks ({maxTokens} tokens at most), {skipped} files not notes");
        Assert.True(notes > 100, $"only {notes} notes found");
    }

    private List<string> Vaults()
    {
        if (RepositoryPaths.SharedData is not { } data || !Directory.Exists(Path.Combine(data, "obsidian")))
        {
            output.WriteLine("Skipped: no shared/data/obsidian folder.");
            return [];
        }

        return Directory.GetDirectories(Path.Combine(data, "obsidian")).Order(StringComparer.Ordinal).ToList();
    }
}
