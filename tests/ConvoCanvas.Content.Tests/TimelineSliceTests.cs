using ConvoCanvas.Content.Series;

namespace ConvoCanvas.Content.Tests;

public sealed class TimelineSliceTests
{
    private static readonly DateTimeOffset March = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_range_is_cut_into_two_stretches_per_episode_that_cover_it_without_overlap()
    {
        var slices = TimelineSlice.Cut(March, March.AddDays(40), [], episodes: 4, sources: 100);
        Assert.Equal(8, slices.Count);
        Assert.Equal(March, slices[0].From);
        Assert.Equal(March.AddDays(40), slices[^1].To);
        for (var i = 1; i < slices.Count; i++)
        {
            Assert.Equal(slices[i - 1].To!.Value.AddTicks(1), slices[i].From);
        }
        Assert.All(slices, s => Assert.Equal(12, s.Limit));
    }

    [Fact]
    public void With_no_range_asked_for_the_best_matches_span_is_cut_and_its_ends_stay_open()
    {
        var slices = TimelineSlice.Cut(null, null, [March.AddDays(10), March, March.AddDays(20)], episodes: 2, sources: 10);
        Assert.Equal(4, slices.Count);
        Assert.Null(slices[0].From);
        Assert.Equal(March.AddDays(5).AddTicks(-1), slices[0].To);
        Assert.Null(slices[^1].To);
        // Each stretch still brings a handful of sources.
        Assert.All(slices, s => Assert.Equal(5, s.Limit));
    }

    [Fact]
    public void With_nothing_to_cut_there_is_one_search_over_the_whole_range()
    {
        Assert.Equal([new TimelineSlice(null, null, 100)], TimelineSlice.Cut(null, null, [], 8, 100));
        Assert.Equal([new TimelineSlice(null, March, 50)], TimelineSlice.Cut(null, March, [March.AddDays(3)], 8, 50));
    }
}
