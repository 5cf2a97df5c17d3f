using ConvoCanvas.Content.Series;
using ConvoCanvas.Content.Text;

namespace ConvoCanvas.Content.Tests;

public sealed class SeriesPlannerTests
{
    private static readonly DateTimeOffset Start = new(2025, 10, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Sources on <paramref name="topics"/> topics in turn, a few each, a day apart; vectors near each topic's axis.</summary>
    private static (List<SeriesSource> Sources, List<float[]> Vectors) Timeline(int[] perTopic, int seed = 1)
    {
        var random = new Random(seed);
        var sources = new List<SeriesSource>();
        var vectors = new List<float[]>();
        var day = 0;
        for (var topic = 0; topic < perTopic.Length; topic++)
        {
            for (var i = 0; i < perTopic[topic]; i++)
            {
                var id = $"note:v/t{topic}-{i}.md";
                sources.Add(new SeriesSource
                {
                    Id = id,
                    Kind = "note",
                    Title = $"Topic {topic} note {i}",
                    Path = $"t{topic}-{i}.md",
                    Vault = "v",
                    At = Start.AddDays(day++),
                    Text = $"Topic {topic} happened on day {day}. More words follow here.",
                    Tags = [$"topic{topic}", "series"],
                });
                var v = new float[8];
                v[topic % 8] = 1;
                for (var d = 0; d < 8; d++)
                {
                    v[d] += (float)(random.NextDouble() * 0.2);
                }
                var norm = (float)Math.Sqrt(v.Sum(x => x * x));
                vectors.Add(v.Select(x => x / norm).ToArray());
            }
        }
        return (sources, vectors);
    }

    [Fact]
    public void Episodes_follow_the_timeline_and_end_where_the_topic_changes()
    {
        var (sources, vectors) = Timeline([4, 6, 3, 5]);
        var plan = SeriesPlanner.Plan("My home lab", sources, vectors, 4);
        Assert.Equal("my-home-lab", plan.Slug);
        Assert.Equal(4, plan.Episodes.Count);
        Assert.Equal([4, 6, 3, 5], plan.Episodes.Select(e => e.Sources.Count));
        for (var e = 0; e < 4; e++)
        {
            var episode = plan.Episodes[e];
            Assert.Equal(e + 1, episode.Number);
            Assert.All(episode.Sources, s => Assert.StartsWith($"note:v/t{e}-", s.Id));
            Assert.Equal(episode.Sources.Min(s => s.At), episode.From);
            Assert.Equal(episode.Sources.Max(s => s.At), episode.To);
            Assert.InRange(episode.Moments.Count, 3, 4);
            Assert.All(episode.Moments, m => Assert.Contains(episode.Sources, s => s.Id == m.SourceId));
            Assert.Equal(episode.Moments.OrderBy(m => m.At).Select(m => m.At), episode.Moments.Select(m => m.At));
        }
        Assert.True(plan.Episodes.Zip(plan.Episodes.Skip(1)).All(p => p.First.To < p.Second.From));
        Assert.Equal(plan.Episodes.Count, plan.Episodes.Select(e => e.Title).Distinct().Count());
    }

    [Fact]
    public void The_same_sources_give_the_same_plan_in_any_order()
    {
        var (sources, vectors) = Timeline([5, 5, 5, 5, 5], seed: 4);
        var plannedAt = DateTimeOffset.UnixEpoch;
        var first = SeriesPlanner.Plan("Topic", sources, vectors, 3, plannedAt: plannedAt);
        var order = Enumerable.Range(0, sources.Count).Reverse().ToList();
        var second = SeriesPlanner.Plan("Topic", order.Select(i => sources[i]).ToList(), order.Select(i => vectors[i]).ToList(), 3, plannedAt: plannedAt);
        Assert.Equal(Flatten(first), Flatten(second));
    }

    [Fact]
    public void Every_episode_has_at_least_three_sources_whatever_the_vectors()
    {
        var random = new Random(8);
        for (var run = 0; run < 200; run++)
        {
            var count = random.Next(3, 60);
            var sources = Enumerable.Range(0, count).Select(i => new SeriesSource
            {
                Id = $"conversation:c{i}", Kind = "conversation", Title = $"c{i}", Path = $"c{i}",
                At = Start.AddHours(random.Next(0, 2_000)), Text = "x.",
            }).ToList();
            var vectors = sources.Select(_ => Unit(random)).ToList();
            var asked = random.Next(1, 12);
            var plan = SeriesPlanner.Plan("random", sources, vectors, asked);
            Assert.Equal(Math.Min(asked, count / 3), plan.Episodes.Count);
            Assert.All(plan.Episodes, e => Assert.True(e.Sources.Count >= SeriesPlanner.MinSourcesPerEpisode));
            Assert.Equal(count, plan.Episodes.Sum(e => e.Sources.Count));
            Assert.Equal(plan.Episodes.Count < asked, plan.Notes.Any(n => n.Contains("episodes asked", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void Dates_filter_the_sources_and_too_few_say_what_to_do()
    {
        var (sources, vectors) = Timeline([4, 4, 4]);
        var plan = SeriesPlanner.Plan("T", sources, vectors, 2, from: Start.AddDays(4), to: Start.AddDays(11));
        Assert.Equal(8, plan.Episodes.Sum(e => e.Sources.Count));
        Assert.Contains("4 source(s) outside between 2025-10-05 and 2025-10-12 left out", plan.Notes);
        var error = Assert.Throws<SeriesPlanningException>(() => SeriesPlanner.Plan("T", sources, vectors, 2, from: Start.AddDays(10)));
        Assert.Contains("found 2 source(s) about 'T' since 2025-10-11; an episode needs at least 3", error.Message);
    }

    [Fact]
    public void The_extractive_draft_quotes_each_moment_with_a_footnote_that_points_at_its_source()
    {
        var (sources, vectors) = Timeline([4, 4]);
        var plan = SeriesPlanner.Plan("Lab", sources, vectors, 2);
        var draft = EpisodeWriter.Extractive(plan, plan.Episodes[1], 1, Start);
        Assert.Equal(EpisodeDraft.Extractive, draft.Kind);
        Assert.StartsWith($"# {plan.Episodes[1].Title}\n\n*Episode 2 of 2 of Lab", draft.Markdown);
        Assert.Contains("> Extractive draft", draft.Markdown);
        Assert.Equal([1, 2, 3, 4], draft.Citations.Select(c => c.N));
        foreach (var citation in draft.Citations)
        {
            Assert.Contains($"[^{citation.N}]: {plan.Episodes[1].Sources[citation.N - 1].Title} — v/", draft.Markdown);
            Assert.Equal(plan.Episodes[1].Sources[citation.N - 1].Path, citation.Path);
        }
    }

    [Fact]
    public void A_models_draft_gets_footnotes_for_the_citations_that_point_at_sources()
    {
        var (sources, vectors) = Timeline([3, 3]);
        var plan = SeriesPlanner.Plan("Lab", sources, vectors, 2);
        var prompt = EpisodeWriter.Prompt(plan, plan.Episodes[0]);
        Assert.Contains("Episode", prompt, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("[3] Topic 0 note 2", prompt);
        var draft = EpisodeWriter.FromModel(plan, plan.Episodes[0], "# My own title\n\n## Start\n\nIt began [1]. Then [2, 7] and [9].", 2, Start, "llama3.1:8b");
        Assert.Equal(EpisodeDraft.ByModel, draft.Kind);
        Assert.DoesNotContain("My own title", draft.Markdown);
        Assert.Contains("It began [^1]. Then [^2] and.", draft.Markdown);
        Assert.Equal(2, draft.RemovedCitations);
        Assert.Equal([1, 2], draft.Citations.Select(c => c.N));
        Assert.Contains("[^1]: Topic 0 note 0", draft.Markdown);
        Assert.DoesNotContain("[^3]:", draft.Markdown);

        // Code the model writes keeps its brackets; only citations become footnotes.
        var code = EpisodeWriter.FromModel(plan, plan.Episodes[0], "Set it [1]:\n\n```json\n{\"gpus\": [0, 1]}\n```\n\nand m[0][2] too [01].", 3, Start, "m");
        Assert.Contains("Set it [^1]:", code.Markdown);
        Assert.Contains("{\"gpus\": [0, 1]}", code.Markdown);
        Assert.Contains("m[0][2] too [^1].", code.Markdown);
        Assert.Equal(0, code.RemovedCitations);

        // Footnotes the model writes itself are read as citations and checked; its definitions are replaced by ours.
        var own = EpisodeWriter.FromModel(plan, plan.Episodes[0], "It began.[^2] Later.[^99999999999]\n\n[^2]: my own source\n[^7]: made up", 4, Start, "m");
        Assert.Contains("It began.[^2] Later.", own.Markdown);
        Assert.DoesNotContain("my own source", own.Markdown);
        Assert.DoesNotContain("made up", own.Markdown);
        Assert.DoesNotContain("99999999999", own.Markdown);
        Assert.Equal([2], own.Citations.Select(c => c.N));
        Assert.Contains("[^2]: Topic 0 note 1", own.Markdown);
    }

    [Fact]
    public void A_notes_own_brackets_and_footnotes_in_a_key_moment_are_not_citations()
    {
        var (sources, vectors) = Timeline([3, 3]);
        sources[0] = sources[0] with { Text = "See [2] and the footnote[^1] and `code` here. Second sentence." };
        var plan = SeriesPlanner.Plan("Lab", sources, vectors, 2);
        var moment = plan.Episodes[0].Moments.Single(m => m.SourceId == sources[0].Id);
        Assert.DoesNotContain("[", moment.Text);
        var draft = EpisodeWriter.Extractive(plan, plan.Episodes[0], 1, Start);
        Assert.DoesNotContain("See [2]", draft.Markdown);
        Assert.DoesNotContain("footnote[^1]", draft.Markdown);
        Assert.Contains("See (2) and the footnote(^1)", draft.Markdown);
    }

    [Fact]
    public void Planning_again_from_the_same_sources_is_the_same_plan_for_its_drafts()
    {
        var (sources, vectors) = Timeline([3, 3, 3]);
        var first = SeriesPlanner.Plan("Lab", sources, vectors, 3, plannedAt: Start);
        var again = SeriesPlanner.Plan("Lab", sources, vectors, 3, plannedAt: Start.AddDays(1));
        Assert.True(again.SameEpisodesAs(first));
        var fewer = SeriesPlanner.Plan("Lab", sources, vectors, 2, plannedAt: Start.AddDays(1));
        Assert.False(fewer.SameEpisodesAs(first));
        var edited = sources.Select((s, i) => i == 4 ? s with { Text = "An edited note." } : s).ToList();
        Assert.False(SeriesPlanner.Plan("Lab", edited, vectors, 3).SameEpisodesAs(first));
    }

    [Fact]
    public void Posts_fit_their_limits_and_carry_hashtags_from_the_tags()
    {
        var (sources, vectors) = Timeline([5, 5, 5]);
        var plan = SeriesPlanner.Plan("A long series title that keeps going " + new string('x', 400), sources, vectors, 3);
        foreach (var set in plan.Episodes.Select(e => PostWriter.ForEpisode(plan, e)).Append(PostWriter.ForSeason(plan)))
        {
            Assert.True(TextLength.Count(set.Short) <= PostSet.ShortLimit);
            Assert.True(TextLength.Count(set.Medium) <= PostSet.MediumLimit);
            Assert.True(TextLength.Count(set.Long) <= PostSet.LongLimit);
            // The hashtags stay whole at the end, however long the body was.
            Assert.All(new[] { set.Short, set.Medium, set.Long }, post => Assert.Matches(@"\n\n(#\w+ ?)+$", post));
            Assert.Contains("#series", set.Long);
        }

        // A body of exactly the room the hashtags leave goes in whole; one character more is cut.
        string[] tags = ["#homelab", "#part0"];
        var room = PostWriter.BodyRoom(tags, PostSet.ShortLimit);
        Assert.Equal(300 - "#homelab #part0".Length - 2, room);
        var exact = new string('a', room - 1) + ".";
        Assert.Equal(exact + "\n\n#homelab #part0", PostWriter.Compose(exact, tags, PostSet.ShortLimit));
        Assert.DoesNotContain(exact + "a", PostWriter.Compose(exact + "a", tags, PostSet.ShortLimit));
    }

    [Fact]
    public void An_export_has_one_file_per_episode_with_front_matter_an_index_and_the_posts_inside_its_folder()
    {
        var (sources, vectors) = Timeline([3, 3, 3]);
        var plan = SeriesPlanner.Plan("Home \"lab\"", sources, vectors, 3);
        var drafts = plan.Episodes.ToDictionary(e => e.Number, e => EpisodeWriter.Extractive(plan, e, 1, Start));
        var posts = new SeriesPosts { Season = PostWriter.ForSeason(plan), Episodes = plan.Episodes.ToDictionary(e => e.Number, e => PostWriter.ForEpisode(plan, e)), Kind = "extractive" };
        foreach (var format in SeriesExport.Formats)
        {
            var files = SeriesExport.Files(plan, drafts, posts, format);
            Assert.Equal(5, files.Count);
            Assert.All(files, f => Assert.DoesNotContain("..", f.Path));
            var episode = files[0];
            Assert.StartsWith("---\n", episode.Content);
            Assert.Contains("series: \"Home \\\"lab\\\"\"\n", episode.Content);
            Assert.Contains("episode: 1\n", episode.Content);
            Assert.Contains("draft: true\n", episode.Content);
            Assert.Contains("date: 2025-10-03\n", episode.Content);
            Assert.Equal(SeriesExport.Files(plan, drafts, posts, format), files);
        }
        Assert.Matches(@"^content/posts/home-lab/01-topic-0-note-\d\.md$", SeriesExport.Files(plan, drafts, posts, "hugo")[0].Path);
        Assert.Matches(@"^_posts/2025-10-03-home-lab-01-topic-0-note-\d\.md$", SeriesExport.Files(plan, drafts, posts, "jekyll")[0].Path);
        // Jekyll reads no "draft": an extractive draft is held back with published: false; a model's is not.
        Assert.Contains("draft: true\npublished: false\n", SeriesExport.Files(plan, drafts, posts, "jekyll")[0].Content);
        var byModel = drafts.ToDictionary(d => d.Key, d => d.Value with { Kind = EpisodeDraft.ByModel });
        Assert.DoesNotContain("published:", SeriesExport.Files(plan, byModel, posts, "jekyll")[0].Content);
        // In a vault, footnotes that cite notes link them.
        var obsidian = SeriesExport.Files(plan, drafts, posts, "obsidian")[0].Content;
        Assert.Matches(@"\n\[\^1\]: Topic 0 note 0 — v/t0-0\.md, 2025-10-01 \(\[\[t0-0\|Topic 0 note 0\]\]\)\n", obsidian);
        Assert.DoesNotContain("[[t0-0|", SeriesExport.Files(plan, drafts, posts, "hugo")[0].Content);
        Assert.Throws<ArgumentException>(() => SeriesExport.Files(plan, drafts, posts, "wordpress"));

        // Template syntax quoted from a note is text on the site, not code it runs.
        var templated = drafts.ToDictionary(d => d.Key, d => d.Value with { Markdown = d.Value.Markdown + "\n{{< youtube abc >}} {{% note %}} {{ site.title }}\n" });
        Assert.Contains("{{</* youtube abc */>}} {{%/* note */%}}", SeriesExport.Files(plan, templated, posts, "hugo")[0].Content);
        Assert.Contains("render_with_liquid: false\n", SeriesExport.Files(plan, templated, posts, "jekyll")[0].Content);
        Assert.Contains("[[home-lab/01-", SeriesExport.Files(plan, drafts, posts, "obsidian").Single(f => f.Path == "home-lab/home-lab.md").Content);
    }

    private static float[] Unit(Random random)
    {
        var v = Enumerable.Range(0, 6).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var norm = (float)Math.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    private static string Flatten(SeriesPlan plan) =>
        string.Join("|", plan.Episodes.Select(e => $"{e.Number}:{e.Title}:{e.From:O}:{e.To:O}:{string.Join(",", e.Sources.Select(s => s.Id))}:{string.Join(",", e.Moments.Select(m => m.SourceId))}"));
}
