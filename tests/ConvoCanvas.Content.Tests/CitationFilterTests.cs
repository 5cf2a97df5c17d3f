using ConvoCanvas.Content.Ask;

namespace ConvoCanvas.Content.Tests;

public sealed class CitationFilterTests
{
    [Theory]
    [InlineData("Grains are virtual actors [1].", 3, "Grains are virtual actors [1].", new[] { 1 }, 0)]
    [InlineData("Grains are virtual actors [7].", 3, "Grains are virtual actors.", new int[0], 1)]
    [InlineData("Both say so [1, 9] and [2,3].", 3, "Both say so [1] and [2,3].", new[] { 1, 2, 3 }, 1)]
    [InlineData("Chained [2][5][1] cites.", 3, "Chained [2][1] cites.", new[] { 2, 1 }, 1)]
    [InlineData("Bad first x [5][1] then.", 3, "Bad first x [1] then.", new[] { 1 }, 1)]
    [InlineData("All bad x [5][6].", 3, "All bad x.", new int[0], 2)]
    [InlineData("Zero [0] is nothing.", 3, "Zero is nothing.", new int[0], 1)]
    [InlineData("Code items[0] and dict[12] stay.", 3, "Code items[0] and dict[12] stay.", new int[0], 0)]
    [InlineData("A link [1](http://x) stays, [a] too, [] too.", 3, "A link [1](http://x) stays, [a] too, [] too.", new int[0], 0)]
    [InlineData("Ends with a bad one [4]", 3, "Ends with a bad one", new int[0], 1)]
    [InlineData("Open bracket at the end [2", 3, "Open bracket at the end [2", new int[0], 0)]
    [InlineData("Huge [99999999999999] number.", 3, "Huge number.", new int[0], 1)]
    [InlineData("No evidence at all [1].", 0, "No evidence at all.", new int[0], 1)]
    [InlineData("Code items[0][5] and m[0][2] stay.", 3, "Code items[0][5] and m[0][2] stay.", new int[0], 0)]
    [InlineData("In code `x = [1, 5]` and ```\nys[9] = [7]\n``` stay [2].", 3, "In code `x = [1, 5]` and ```\nys[9] = [7]\n``` stay [2].", new[] { 2 }, 0)]
    [InlineData("Two numbers [1 2] are not a citation.", 3, "Two numbers [1 2] are not a citation.", new int[0], 0)]
    [InlineData("Para one [9]\n\n[8] Para two.", 3, "Para one\n\n Para two.", new int[0], 2)]
    [InlineData("Nested [[1]] is text.", 3, "Nested [[1]] is text.", new int[0], 0)]
    [InlineData("A long list [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] is checked too.", 3, "A long list [1, 2, 3] is checked too.", new[] { 1, 2, 3 }, 12)]
    public void A_whole_answer_keeps_citations_that_point_at_evidence(string answer, int evidence, string expected, int[] used, int removed)
    {
        var (text, cited, gone) = CitationFilter.Clean(answer, evidence);
        Assert.Equal(expected, text);
        Assert.Equal(used, cited);
        Assert.Equal(removed, gone);
    }

    [Fact]
    public void Streamed_piece_by_piece_it_emits_the_same_text_and_never_takes_back_what_it_emitted()
    {
        const string answer = "Orleans grains [1] are virtual [12]. They live in silos [2, 3] (see [9]).\n\nTrailing [3]";
        var whole = CitationFilter.Clean(answer, 3);
        var random = new Random(7);
        for (var run = 0; run < 200; run++)
        {
            var filter = new CitationFilter(3);
            var emitted = new System.Text.StringBuilder();
            var at = 0;
            while (at < answer.Length)
            {
                var size = Math.Min(answer.Length - at, random.Next(1, 6));
                emitted.Append(filter.Append(answer.Substring(at, size)));
                at += size;
            }
            emitted.Append(filter.Finish());
            Assert.Equal(whole.Text, emitted.ToString());
            Assert.Equal(whole.Used, filter.Used);
            Assert.Equal(whole.Removed, filter.Removed);
        }
        Assert.Equal("Orleans grains [1] are virtual. They live in silos [2, 3] (see).\n\nTrailing [3]", whole.Text);
    }

    [Fact]
    public void Text_that_cannot_be_a_citation_is_not_held_back()
    {
        var filter = new CitationFilter(2);
        Assert.Equal("Hello world", filter.Append("Hello world"));
        Assert.Equal(" and", filter.Append(" and ["));
        Assert.Equal(" [1]", filter.Append("1] "));
        Assert.Equal(" done.", filter.Append("done."));
        Assert.Equal("", filter.Finish());
    }

    [Fact]
    public void Answers_without_nested_brackets_are_clean_after_one_pass()
    {
        var random = new Random(5);
        string[] words = ["grains", "[1]", "[4]", "[2, 9]", "[0]", "items[3]", "[x]", " ", " ", ".", "\n", "[3](u)"];
        for (var run = 0; run < 2_000; run++)
        {
            var answer = string.Concat(Enumerable.Range(0, random.Next(0, 20)).Select(_ => words[random.Next(words.Length)]));
            var once = CitationFilter.Clean(answer, 3);
            Assert.Equal(0, CitationFilter.Clean(once.Text, 3).Removed);
        }
    }

    [Fact]
    public void Random_answers_never_keep_a_citation_outside_the_evidence()
    {
        var random = new Random(11);
        const string alphabet = "ab [],0123456789 x(";
        for (var run = 0; run < 2_000; run++)
        {
            var answer = new string([.. Enumerable.Range(0, random.Next(0, 40)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var evidence = random.Next(0, 5);
            var (text, used, _) = CitationFilter.Settle(answer, evidence);
            Assert.All(used, n => Assert.InRange(n, 1, evidence));
            // Settled: another pass finds nothing left to remove, and every bracket it reads as a citation is kept.
            var again = CitationFilter.Clean(text, evidence);
            Assert.Equal(0, again.Removed);
            Assert.Equal(used, again.Used);
        }
    }

    [Fact]
    public void Segments_give_a_page_every_kept_citation_chained_or_listed_and_none_in_code()
    {
        var segments = CitationFilter.Segments("Chained [1][2], listed [1, 3], code `items[2]` and a link [2](x) and nowhere [9].", 3).ToList();
        var citations = segments.Where(s => s.Citation is not null).Select(s => string.Join(",", s.Citation!)).ToList();
        Assert.Equal(["1", "2", "1,3"], citations);
        var text = string.Concat(segments.Select(s => s.Citation is null ? s.Text : "#"));
        Assert.Equal("Chained ##, listed #, code `items[2]` and a link [2](x) and nowhere.", text);
    }

    [Fact]
    public void Segments_of_text_with_the_marks_themselves_do_not_break()
    {
        var segments = CitationFilter.Segments("odd \uE000 mark \uE001 [1]", 1).ToList();
        Assert.Single(segments, s => s.Citation is [1]);
    }
}
