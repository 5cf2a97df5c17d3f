using System.Globalization;
using System.Text;
using ConvoCanvas.Content.Series;
using ConvoCanvas.Content.Text;

namespace ConvoCanvas.Content.Tests;

public sealed class TextLengthTests
{
    [Theory]
    [InlineData("hello", 5)]
    [InlineData("👍🏽", 1)]
    [InlineData("👨‍👩‍👧‍👦 family", 8)]
    [InlineData("🇫🇷", 1)]
    [InlineData("e\u0301te\u0301", 3)]
    public void Characters_are_counted_as_people_see_them(string text, int expected) => Assert.Equal(expected, TextLength.Count(text));

    [Fact]
    public void A_text_that_fits_is_kept_and_one_that_does_not_is_cut_after_a_sentence()
    {
        Assert.Equal("Short enough.", TextLength.Fit("Short enough.", 20));
        Assert.Equal("First sentence here. Second one.", TextLength.Fit("First sentence here. Second one. Third sentence is long.", 40));
        Assert.Equal("one two three…", TextLength.Fit("one two three four five six", 16));
        // A number cut in two does not end a sentence.
        Assert.Equal("Version…", TextLength.Fit("Version 3.14 is out now.", 10));
        Assert.Equal("It is out.", TextLength.Fit("It is out. Version 3.14 is here.", 21));
    }

    private static readonly string[] Pieces =
    [
        "word", " ", ". ", "! ", "? ", "\n", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷", "e\u0301", "a\u0308\u0301", "日本語", "ß", ",", "…", "#tag", "\u200d", "\u0301",
    ];

    private static string RandomText(Random random, int pieces)
    {
        var text = new StringBuilder();
        for (var i = 0; i < pieces; i++)
        {
            text.Append(Pieces[random.Next(Pieces.Length)]);
        }
        return text.ToString();
    }

    [Fact]
    public void Fitting_random_unicode_never_exceeds_the_limit_nor_splits_a_character()
    {
        var random = new Random(3);
        for (var run = 0; run < 3_000; run++)
        {
            var text = RandomText(random, random.Next(0, 400));
            var limit = random.Next(1, 320);
            var fitted = TextLength.Fit(text, limit);
            Assert.True(TextLength.Count(fitted) <= limit, $"{TextLength.Count(fitted)} > {limit}");
            // Every character of the result is a whole character of the text: the text elements of the
            // result, less a final ellipsis, start the trimmed text's elements.
            var mine = Elements(fitted.TrimEnd('…'));
            var theirs = Elements(text.Trim());
            Assert.True(mine.Count <= theirs.Count);
            for (var i = 0; i < mine.Count - 1; i++)
            {
                Assert.Equal(theirs[i], mine[i]);
            }
        }
    }

    [Fact]
    public void Posts_with_hashtags_never_exceed_their_limit()
    {
        var random = new Random(9);
        for (var run = 0; run < 2_000; run++)
        {
            var tags = Enumerable.Range(0, random.Next(0, 8)).Select(_ => "#" + RandomText(random, random.Next(1, 6)).Replace(" ", "")).ToList();
            foreach (var (_, limit) in PostSet.Lengths)
            {
                var post = PostWriter.Compose(RandomText(random, random.Next(0, 1_200)), tags, limit);
                Assert.True(TextLength.Count(post) <= limit, $"{TextLength.Count(post)} > {limit}");
            }
        }
    }

    [Theory]
    [InlineData("projects/gpu-scheduling", "#gpuScheduling")]
    [InlineData("#k3s", "#k3s")]
    [InlineData("Home Lab", "#HomeLab")]
    public void Tags_become_hashtags(string tag, string expected) => Assert.Equal(expected, PostWriter.Hashtag(tag));

    [Theory]
    [InlineData("How I built a GPU scheduler!", "how-i-built-a-gpu-scheduler")]
    [InlineData("Café & Crème", "cafe-creme")]
    [InlineData("../../etc/passwd", "etc-passwd")]
    [InlineData("???", "series")]
    public void Slugs_are_safe_file_names(string text, string expected) => Assert.Equal(expected, TextLength.Slug(text));

    private static List<string> Elements(string text)
    {
        var list = new List<string>();
        var e = StringInfo.GetTextElementEnumerator(text);
        while (e.MoveNext())
        {
            list.Add((string)e.Current);
        }
        return list;
    }
}
