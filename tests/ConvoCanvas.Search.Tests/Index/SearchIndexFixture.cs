using System.Text;
using ConvoCanvas.Ingest.Model;
using ConvoCanvas.Ingest.Vault;
using ConvoCanvas.Search.Chroma;
using ConvoCanvas.Search.Embeddings;
using ConvoCanvas.Search.Index;
using ConvoCanvas.Search.Query;
using ConvoCanvas.Testing;
using Npgsql;

namespace ConvoCanvas.Search.Tests.Index;

/// <summary>
/// The index on the real services: a PostgreSQL database with the silo's search migration, a
/// private ChromaDB server (tests stop and start it), and the real MiniLM embedder.
/// </summary>
public sealed class SearchIndexFixture : IAsyncLifetime
{
    private readonly PostgresServer _postgres = new();
    private int _collections;

    public PrivateChromaServer Chroma { get; } = new();
    public MiniLmEmbedder Embedder { get; } = new();
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public SourceChunker Chunker { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(_postgres.InitializeAsync(), Chroma.InitializeAsync());
        var connectionString = await _postgres.CreateDatabaseAsync("search_index_tests");
        DataSource = NpgsqlDataSource.Create(connectionString);
        foreach (var file in new[] { "0020_search_index.sql", "0021_search_serving.sql" })
        {
            var migration = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "silo-config", "migrations", file));
            await using var command = DataSource.CreateCommand(migration);
            await command.ExecuteNonQueryAsync();
        }
        Chunker = new SourceChunker(Embedder);
    }

    public async Task DisposeAsync()
    {
        Embedder.Dispose();
        await DataSource.DisposeAsync();
        await Chroma.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    /// <summary>A fresh, empty index: its own tables' rows cleared and its own ChromaDB collection.</summary>
    public async Task<TestIndex> NewIndexAsync(Func<IVectorStore, IVectorStore>? wrap = null)
    {
        await using (var clear = DataSource.CreateCommand("TRUNCATE search_sources, search_chunks, embedding_cache, search_serving"))
        {
            await clear.ExecuteNonQueryAsync();
        }
        var space = NewSpace();
        return Index(new VectorSpaces(DataSource, space with { Store = wrap?.Invoke(space.Store) ?? space.Store }, EmbedderDescriptor.ForMiniLm()));
    }

    /// <summary>The MiniLM model under an id of its own, with its own collection: as good as another embedder for the index's bookkeeping.</summary>
    public VectorSpace NewSpace()
    {
        var embedderId = $"{Embedder.Id}-t{Interlocked.Increment(ref _collections)}-{Guid.NewGuid():N}"[..40];
        var embedder = new RenamedEmbedder(Embedder, embedderId);
        return new VectorSpace(embedder, new ChromaVectorStore(NewChromaClient(), embedder));
    }

    public ChromaClient NewChromaClient() =>
        new(new HttpClient(ChromaClient.CreateHandler()) { BaseAddress = Chroma.Url }, new ChromaClientOptions { MaxAttempts = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(20) });

    /// <summary>An indexer and a searcher over these spaces, on the fixture's database.</summary>
    public TestIndex Index(VectorSpaces spaces)
    {
        var keywords = new KeywordIndex(DataSource);
        var cache = new EmbeddingCache(DataSource);
        return new TestIndex(new SearchIndexer(keywords, cache, spaces), new HybridSearcher(keywords, cache, spaces), keywords, cache, spaces.Target.Store, Chunker, spaces.Target.Embedder.Id);
    }

    public static VaultNote Note(string path, string markdown) => VaultNoteParser.Parse(path, Encoding.UTF8.GetBytes(markdown));

    public static Conversation Conversation(string id, string title, params (string Role, string Text)[] turns)
    {
        var messages = new List<Message>();
        string? parent = null;
        var at = new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < turns.Length; i++)
        {
            var message = new Message { Id = $"m{i}", ParentId = parent, Role = turns[i].Role, Text = turns[i].Text, CreatedAt = at.AddMinutes(i), Model = turns[i].Role == MessageRoles.Assistant ? "gpt-4o" : null };
            messages.Add(message);
            parent = message.Id;
        }
        return new Conversation
        {
            Source = ConversationSources.ChatGpt,
            ExternalId = id,
            Title = title,
            CreatedAt = at,
            UpdatedAt = at.AddMinutes(turns.Length),
            Models = ["gpt-4o"],
            Messages = messages,
            ActivePath = messages.Select(m => m.Id).ToList(),
        };
    }

    /// <summary>The shared MiniLM model under another id, so each test writes its own collection and cache rows.</summary>
    internal sealed class RenamedEmbedder(IEmbedder inner, string id) : IEmbedder
    {
        public string Id => id;
        public int Dimensions => inner.Dimensions;
        public int MaxTokens => inner.MaxTokens;
        public int CountTokens(string text) => inner.CountTokens(text);
        public Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) => inner.EmbedAsync(texts, cancellationToken);
        public Task<float[]> EmbedQueryAsync(string query, CancellationToken cancellationToken = default) => inner.EmbedQueryAsync(query, cancellationToken);
        public void Dispose() { }
    }
}

public sealed record TestIndex(
    SearchIndexer Indexer, HybridSearcher Searcher, KeywordIndex Keywords, EmbeddingCache Cache, IVectorStore Vectors, SourceChunker Chunker, string EmbedderId)
{
    public IndexItem Note(string vault, VaultNote note) => new(Chunker.Note(vault, note), note.ContentHash);

    public IndexItem Conversation(Conversation conversation, string hash) => new(Chunker.Conversation(conversation), hash);

    public async Task<(long Vectors, long Chunks)> CountsAsync() => (await Vectors.CountAsync(), (await Keywords.CountAsync()).Chunks);

    public Task<SearchResult> SearchAsync(string text, SearchMode mode = SearchMode.Hybrid, SearchFilter? filter = null, int limit = 10) =>
        Searcher.SearchAsync(new SearchQuery { Text = text, Mode = mode, Filter = filter ?? SearchFilter.None, Limit = limit });
}

[CollectionDefinition(Name)]
public sealed class SearchIndexCollection : ICollectionFixture<SearchIndexFixture>
{
    public const string Name = "search index";
}
