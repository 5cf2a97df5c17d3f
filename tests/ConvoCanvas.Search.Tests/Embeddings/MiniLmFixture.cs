using ConvoCanvas.Search.Embeddings;

namespace ConvoCanvas.Search.Tests.Embeddings;

/// <summary>One MiniLM model (90 MB, a second or two to load) for every test class that needs its vectors or its tokenizer.</summary>
public sealed class MiniLmFixture : IDisposable
{
    public MiniLmEmbedder Embedder { get; } = new();

    public void Dispose() => Embedder.Dispose();
}

[CollectionDefinition(Name)]
public sealed class MiniLmCollection : ICollectionFixture<MiniLmFixture>
{
    public const string Name = "MiniLM";
}
