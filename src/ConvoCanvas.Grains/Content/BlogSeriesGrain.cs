using ConvoCanvas.Abstractions;
using ConvoCanvas.Content.Series;
using ConvoCanvas.Content.Text;
using ConvoCanvas.Search.Embeddings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoCanvas.Grains.Content;

[GenerateSerializer, Alias("convocanvas.BlogSeriesState")]
public sealed class BlogSeriesState
{
    [Id(0)] public SeriesPlan? Plan { get; set; }
    [Id(1)] public SeriesPosts? Posts { get; set; }
    [Id(2)] public SeriesJobView? Job { get; set; }
}

/// <summary>
/// A blog series (key: its slug). Planning gathers evidence by hybrid search on the topic (dates and vault
/// as filters), embeds each source's passage and hands both to <see cref="SeriesPlanner"/>. Drafting and
/// posting run as a job beside the grain's calls, one episode after another, so a slow model never holds a
/// caller past its timeout: <see cref="GetAsync"/> reports the progress. Drafts go to the episode grains;
/// model work goes through the router and the GPU scheduler at batch priority, and when no model can
/// serve, the extractive draft (or posts) is made instead and says why.
/// </summary>
public sealed class BlogSeriesGrain(
    [PersistentState("series", ProviderNames.Storage)] IPersistentState<BlogSeriesState> state,
    IServiceProvider services,
    IOptions<AskOptions> askOptions,
    ILogger<BlogSeriesGrain> logger) : Grain, IBlogSeriesGrain
{
    /// <summary>The job and the grain's calls both write the state; one write at a time keeps the etag right.</summary>
    private readonly SemaphoreSlim _writing = new(1, 1);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>Starts from the clock (× 1,000), so a watcher holding a version from an earlier activation is answered at once.</summary>
    private long _version = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000;

    private string Slug => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A job saved as running did not survive the activation that ran it (a restart, a crash).
        if (state.State.Job is { Running: true } job)
        {
            state.State.Job = job with { Running = false, Current = null, FinishedAt = DateTimeOffset.UtcNow, Error = $"interrupted after {job.Done} of {job.Total} (the silo stopped); start it again" };
            await WriteAsync();
        }
    }

    private async Task WriteAsync()
    {
        await _writing.WaitAsync();
        try
        {
            await state.WriteStateAsync();
        }
        finally
        {
            _writing.Release();
        }
        // Whoever waits in WatchAsync sees the change now.
        _version++;
        var changed = _changed;
        _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    public async Task<SeriesView?> WatchAsync(long afterVersion, TimeSpan wait)
    {
        // A version from an earlier activation (the silo restarted) is lower than any of this one's: answered at once.
        if (afterVersion >= _version)
        {
            try
            {
                // Kept under the 30 s Orleans response timeout, so a long poll never times out as a call.
                await _changed.Task.WaitAsync(TimeSpan.FromSeconds(Math.Clamp(wait.TotalSeconds, 0, 25)));
            }
            catch (TimeoutException)
            {
                // Nothing changed: the caller gets the same series and asks again.
            }
        }
        return await GetAsync();
    }

    public async Task<SeriesPlan> PlanAsync(SeriesPlanRequest request)
    {
        if (state.State.Job is { Running: true } job)
        {
            throw new InvalidOperationException($"series '{Slug}' is busy ({job.Kind}: {job.Done} of {job.Total}); plan it again when that is done");
        }
        if (string.IsNullOrWhiteSpace(request.Topic))
        {
            throw new ArgumentException("the topic is empty");
        }
        if (request.Episodes < 1 || request.Episodes > SeriesPlanner.MaxEpisodes)
        {
            throw new ArgumentException($"a series has 1 to {SeriesPlanner.MaxEpisodes} episodes, not {request.Episodes}");
        }
        if (TextLength.Slug(request.Topic) != Slug)
        {
            throw new ArgumentException($"the topic '{request.Topic}' makes the series '{TextLength.Slug(request.Topic)}', not '{Slug}'");
        }
        if (state.State.Plan is { } earlier && !string.Equals(earlier.Topic, request.Topic.Trim(), StringComparison.OrdinalIgnoreCase) && !request.Replace)
        {
            throw new ArgumentException($"series '{Slug}' is already '{earlier.Topic}'; plan '{request.Topic.Trim()}' over it with --replace, or word the topic differently");
        }
        if (request.To is { } until && until.TimeOfDay == TimeSpan.Zero)
        {
            // "to": "2025-12-31" from a REST client means that whole day, as it does in the CLI and the page.
            request = request with { To = until.AddDays(1).AddTicks(-1) };
        }
        var embedder = services.GetService<IEmbedder>() ?? throw new InvalidOperationException("search is not configured on this silo (ConvoCanvas:Search), and a series is planned from search");
        var query = new SearchRequest
        {
            Query = request.Topic,
            Limit = Math.Clamp(request.MaxSources, 3, 100),
            Since = request.From,
            Until = request.To,
            IncludeText = true,
        };
        var search = GrainFactory.GetGrain<ISearchGrain>(0);
        async Task<IReadOnlyList<SearchHitView>> FindAsync(SearchRequest q) => request.Vault is null
            ? (await search.SearchAsync(q)).Hits
            // One vault's notes and every conversation: two searches, the better half of each by score.
            : (await search.SearchAsync(q with { Vault = request.Vault, Kind = "note" })).Hits
                .Concat((await search.SearchAsync(q with { Kind = "conversation" })).Hits)
                .OrderByDescending(h => h.Score).Take(q.Limit).ToList();
        // The evidence: the best matches for the topic (hybrid), plus the timeline of dated notes and conversations in
        // the range that name the topic's words (keyword), so a stretch of time the best matches skip still has its sources.
        var best = await FindAsync(query);
        var timeline = new List<SearchHitView>();
        var seen = best.Where(h => h.At is not null).Select(h => h.At!.Value).ToList();
        foreach (var slice in TimelineSlice.Cut(request.From, request.To, seen, request.Episodes, Math.Clamp(request.MaxSources, 3, 100)))
        {
            timeline.AddRange(await FindAsync(query with { Mode = "keyword", Since = slice.From, Until = slice.To, Limit = slice.Limit }));
        }
        var found = best.Concat(timeline).DistinctBy(h => h.ChunkId ?? $"{h.SourceId}#{h.Anchor}").ToList();
        var hits = found.Where(h => h.KeywordRank is not null || h.VectorSimilarity is not { } similarity || similarity >= askOptions.Value.MinSimilarity).ToList();
        var undated = hits.Count(h => h.At is null);
        var sources = hits.Where(h => h.At is not null).Select(h => new SeriesSource
        {
            Id = h.SourceId,
            Kind = h.Kind,
            Title = string.IsNullOrWhiteSpace(h.Title) ? "(untitled)" : h.Title,
            Path = h.Path,
            Vault = h.Vault,
            Anchor = h.Anchor,
            Heading = h.Heading,
            At = h.At!.Value,
            Text = h.Text ?? h.Snippet,
            Tags = h.Tags,
        }).ToList();
        // The vectors search already made for these passages; only those not embedded yet are embedded now.
        var chunkIds = hits.Where(h => h.At is not null).Select(h => h.ChunkId).ToList();
        var stored = await search.GetChunkVectorsAsync([.. chunkIds.OfType<string>()]);
        var missing = Enumerable.Range(0, sources.Count).Where(i => chunkIds[i] is not { } id || !stored.ContainsKey(id)).ToList();
        var embedded = missing.Count == 0 ? [] : await embedder.EmbedAsync(missing.Select(i => $"{sources[i].Title}\n\n{sources[i].Text}").ToList());
        var vectors = new float[sources.Count][];
        for (var i = 0; i < sources.Count; i++)
        {
            vectors[i] = chunkIds[i] is { } id && stored.TryGetValue(id, out var vector) ? vector : embedded[missing.IndexOf(i)];
        }
        SeriesPlan plan;
        try
        {
            plan = SeriesPlanner.Plan(request.Topic, sources, vectors, request.Episodes, request.From, request.To);
        }
        catch (SeriesPlanningException e)
        {
            throw new ArgumentException(e.Message);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException(e.Message.Split(" (Parameter", 2)[0]);
        }
        if (undated > 0)
        {
            plan = plan with { Notes = [.. plan.Notes, $"{undated} source(s) without a date left out"] };
        }
        if (state.State.Plan is { } previous && plan.SameEpisodesAs(previous))
        {
            // Planned again from the same sources: the drafts and posts made for it still belong to it.
            plan = plan with { PlannedAt = previous.PlannedAt };
        }
        else
        {
            state.State.Posts = null;
        }
        state.State.Plan = plan;
        await WriteAsync();
        logger.LogInformation("Planned series {Slug}: {Episodes} episodes from {Sources} sources", Slug, plan.Episodes.Count, sources.Count);
        return plan;
    }

    public async Task<SeriesView?> GetAsync()
    {
        if (state.State.Plan is not { } plan)
        {
            return null;
        }
        var latest = new List<EpisodeDraft>();
        var versions = new Dictionary<int, int>();
        foreach (var episode in plan.Episodes)
        {
            var drafts = await Episode(episode.Number).GetDraftsAsync();
            versions[episode.Number] = drafts.Count;
            if (Current(plan, drafts) is { } draft)
            {
                latest.Add(draft);
            }
        }
        return new SeriesView { Plan = plan, Latest = latest, Versions = versions, Posts = state.State.Posts, Job = state.State.Job, Version = _version };
    }

    public async Task<SeriesJobView> StartDraftAsync(SeriesDraftRequest request)
    {
        var plan = RequirePlan();
        if (request.Episode is { } only && (only < 1 || only > plan.Episodes.Count))
        {
            throw new ArgumentException($"series '{Slug}' has episodes 1 to {plan.Episodes.Count}, not {only}");
        }
        var episodes = request.Episode is { } n ? [plan.Episodes[n - 1]] : plan.Episodes.ToList();
        var job = await StartAsync("draft", episodes.Count);
        _ = RunAsync(job, async () =>
        {
            foreach (var episode in episodes)
            {
                await UpdateAsync(j => j with { Current = $"episode {episode.Number}: {episode.Title}" });
                var draft = await Episode(episode.Number).DraftAsync(plan, request);
                await UpdateAsync(j => j with
                {
                    Done = j.Done + 1,
                    ModelCalls = j.ModelCalls + draft.ModelCalls,
                    PromptTokens = j.PromptTokens + draft.PromptTokens,
                    OutputTokens = j.OutputTokens + draft.OutputTokens,
                    Problems = draft.Note is null ? j.Problems : [.. j.Problems, $"episode {episode.Number}: {draft.Note}"],
                });
            }
        });
        return job;
    }

    public async Task<SeriesJobView> StartPostsAsync(bool useModel)
    {
        var plan = RequirePlan();
        var job = await StartAsync("posts", plan.Episodes.Count + 1);
        state.State.Posts = null;
        _ = RunAsync(job, async () =>
        {
            var writer = new PostMaker(GrainFactory, useModel, $"series {Slug} posts");
            await UpdateAsync(j => j with { Current = "the season" });
            var season = await writer.SetAsync(PostWriter.ForSeason(plan), SeasonMaterial(plan), PostWriter.Hashtags(plan.Episodes.SelectMany(e => e.Sources)));
            await UpdateAsync(j => j with { Done = 1 });
            var sets = new Dictionary<int, PostSet>();
            var fromDrafts = new Dictionary<int, int>();
            foreach (var episode in plan.Episodes)
            {
                await UpdateAsync(j => j with { Current = $"episode {episode.Number}: {episode.Title}" });
                var draft = Current(plan, await Episode(episode.Number).GetDraftsAsync());
                fromDrafts[episode.Number] = draft?.Version ?? 0;
                sets[episode.Number] = await writer.SetAsync(PostWriter.ForEpisode(plan, episode), EpisodeMaterial(plan, episode, draft), PostWriter.Hashtags(episode.Sources));
                await UpdateAsync(j => j with { Done = j.Done + 1, ModelCalls = writer.Calls, PromptTokens = writer.PromptTokens, OutputTokens = writer.OutputTokens });
            }
            state.State.Posts = new SeriesPosts
            {
                Season = season,
                Episodes = sets,
                Kind = writer.Calls > 0 && writer.NoModel is null ? EpisodeDraft.ByModel : EpisodeDraft.Extractive,
                ModelCalls = writer.Calls,
                Shortened = writer.Shortened,
                Cut = writer.Cut,
                FromDrafts = fromDrafts,
            };
            await UpdateAsync(j => j with { Problems = writer.NoModel is null ? j.Problems : [.. j.Problems, writer.NoModel] });
        });
        return job;
    }

    public async Task<IReadOnlyList<ExportFile>> ExportAsync(string format)
    {
        var plan = RequirePlan();
        var drafts = new Dictionary<int, EpisodeDraft>();
        foreach (var episode in plan.Episodes)
        {
            if (Current(plan, await Episode(episode.Number).GetDraftsAsync()) is { } draft)
            {
                drafts[episode.Number] = draft;
            }
        }
        return SeriesExport.Files(plan, drafts, state.State.Posts, format);
    }

    private static string SeasonMaterial(SeriesPlan plan) =>
        $"Series: {plan.Topic}\n" + string.Join('\n', plan.Episodes.Select(e => $"{e.Number}. {e.Title} ({EpisodeWriter.Day(e.From)} to {EpisodeWriter.Day(e.To)}): {e.Moments.FirstOrDefault()?.Text}"));

    private static string EpisodeMaterial(SeriesPlan plan, EpisodePlan episode, EpisodeDraft? draft) =>
        $"Series: {plan.Topic}, part {episode.Number}: {episode.Title}\n"
        + string.Join('\n', episode.Moments.Select(m => $"- {EpisodeWriter.Day(m.At)}: {m.Text}"))
        + (draft is null ? "" : "\n\nThe episode:\n" + TextLength.Fit(draft.Markdown, 3_000))
        + $"\n\nHashtags to use: {string.Join(' ', PostWriter.Hashtags(episode.Sources))}";

    /// <summary>The episode's latest draft of this plan; drafts of an earlier plan are history.</summary>
    private static EpisodeDraft? Current(SeriesPlan plan, IReadOnlyList<EpisodeDraft> drafts) =>
        drafts.LastOrDefault(d => d.PlannedAt == plan.PlannedAt);

    private SeriesPlan RequirePlan() =>
        state.State.Plan ?? throw new ArgumentException($"series '{Slug}' is not planned yet: convocanvas series plan --topic \"…\"");

    private IBlogEpisodeGrain Episode(int number) => GrainFactory.GetGrain<IBlogEpisodeGrain>($"{Slug}/{number}");

    private async Task<SeriesJobView> StartAsync(string kind, int total)
    {
        if (state.State.Job is { Running: true } running)
        {
            throw new InvalidOperationException($"series '{Slug}' is busy ({running.Kind}: {running.Done} of {running.Total})");
        }
        var job = new SeriesJobView { Kind = kind, Running = true, Total = total, StartedAt = DateTimeOffset.UtcNow };
        state.State.Job = job;
        await WriteAsync();
        return job;
    }

    private async Task UpdateAsync(Func<SeriesJobView, SeriesJobView> change)
    {
        // A job that moves keeps its activation: a long batch job nobody watches is not collected half-way.
        this.DelayDeactivation(TimeSpan.FromHours(2));
        state.State.Job = change(state.State.Job!);
        await WriteAsync();
    }

    /// <summary>The job's work beside the grain's calls; the grain stays active until it ends, and a failure is recorded, not lost.</summary>
    private async Task RunAsync(SeriesJobView job, Func<Task> work)
    {
        this.DelayDeactivation(TimeSpan.FromHours(2));
        try
        {
            await work();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Series {Slug}: {Kind} failed", Slug, job.Kind);
            state.State.Job = state.State.Job! with { Error = $"{job.Kind} failed: {e.Message}" };
        }
        finally
        {
            state.State.Job = state.State.Job! with { Running = false, Current = null, FinishedAt = DateTimeOffset.UtcNow };
            try
            {
                await WriteAsync();
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Series {Slug}: the end of the {Kind} job was not saved", Slug, job.Kind);
            }
            this.DelayDeactivation(TimeSpan.Zero);
        }
    }
}
