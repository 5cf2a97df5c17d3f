using ConvoCanvas.Search.Query;

namespace ConvoCanvas.Search.Tests.Query;

public sealed class SnippetAndFusionTests
{
    [Fact]
    public void Fusion_rewards_ids_both_lists_rank_and_is_deterministic()
    {
        var fused = ReciprocalRankFusion.Fuse([["a", "b", "c"], ["c", "d", "a"]]);
        Assert.Equal(["a", "c", "b", "d"], fused.Select(f => f.Id));
        Assert.Equal(1.0 / 61 + 1.0 / 63, fused[0].Score, 10);
        Assert.Equal(fused, ReciprocalRankFusion.Fuse([["a", "b", "c"], ["c", "d", "a"]]));
        Assert.Empty(ReciprocalRankFusion.Fuse([[], []]));
    }

    [Fact]
    public void A_lighter_list_counts_for_less()
    {
        IReadOnlyList<string> vector = ["v1", "both", "v3"];
        IReadOnlyList<string> keyword = ["k1", "both"];

        var even = ReciprocalRankFusion.Fuse([(vector, 1.0), (keyword, 1.0)]);
        var weighted = ReciprocalRankFusion.Fuse([(vector, 1.0), (keyword, 0.5)]);

        Assert.Equal(["both", "v1", "k1", "v3"], even.Select(f => f.Id));
        // Half weight: the keyword leg's first hit falls behind the vector leg's third.
        Assert.Equal(["both", "v1", "v3", "k1"], weighted.Select(f => f.Id));
        Assert.Equal(1.0 / 62 + 0.5 / 62, weighted[0].Score, 10);
    }

    [Fact]
    public void Snippet_is_the_window_with_most_terms_and_marks_them()
    {
        var body = string.Join(' ', Enumerable.Repeat("filler", 80)) + " the CoreDNS pods restarted after the DHCP lease changed " + string.Join(' ', Enumerable.Repeat("filler", 80));
        var (snippet, highlights) = SnippetBuilder.Build(body, QueryTerms.Of("coredns dhcp"), 120);
        Assert.StartsWith("…", snippet);
        Assert.EndsWith("…", snippet);
        Assert.True(snippet.Length <= 124);
        var marked = highlights.Select(h => snippet.Substring(h.Start, h.Length)).ToList();
        Assert.Equal(["CoreDNS", "DHCP"], marked);
        Assert.Equal("x **CoreDNS** y", SnippetBuilder.Mark("x CoreDNS y", [new TextRange(2, 7)], "**", "**"));
    }

    [Fact]
    public void Stemmed_matches_and_stop_words()
    {
        Assert.Equal(["indexing", "notes"], QueryTerms.Of("How is the indexing of my notes?"));
        var (snippet, highlights) = SnippetBuilder.Build("We index notes; the indexer indexed them.", QueryTerms.Of("indexing"));
        Assert.Equal(["index", "indexer", "indexed"], highlights.Select(h => snippet.Substring(h.Start, h.Length)));
        Assert.Equal(QueryTerms.MaxTerms, QueryTerms.Of(string.Join(' ', Enumerable.Range(0, 100).Select(i => $"w{i}"))).Count);
    }
}
