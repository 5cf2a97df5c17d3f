using ConvoCanvas.Abstractions;
using ConvoCanvas.Content.Series;

namespace ConvoCanvas.Grains.Content;

[GenerateSerializer, Alias("convocanvas.BlogEpisodeState")]
public sealed class BlogEpisodeState
{
    [Id(0)] public List<EpisodeDraft> Drafts { get; set; } = [];
}

/// <summary>
/// One episode of a series (key <c>{slug}/{n}</c>): drafts itself from the plan (<see cref="EpisodeWriter"/>:
/// the outline and evidence in the prompt, citations checked and turned into footnotes) and keeps every
/// version in PostgreSQL. The series grain runs the job that drafts its episodes one after another.
/// </summary>
public sealed class BlogEpisodeGrain(
    [PersistentState("episode", ProviderNames.Storage)] IPersistentState<BlogEpisodeState> state) : Grain, IBlogEpisodeGrain
{
    /// <summary>The model window a draft is written in: the outline, the evidence and the answer.</summary>
    public const int DraftContextTokens = 8_192;

    private const int DraftAnswerTokens = 1_500;

    public async Task<EpisodeDraft> DraftAsync(SeriesPlan plan, SeriesDraftRequest request)
    {
        var number = Number();
        var episode = plan.Episodes.FirstOrDefault(e => e.Number == number)
            ?? throw new ArgumentException($"the plan of '{plan.Slug}' has no episode {number}");
        var draft = await WriteAsync(plan, episode, request);
        return await AddAsync(draft with { PlannedAt = plan.PlannedAt });
    }

    public async Task<EpisodeDraft> AddAsync(EpisodeDraft draft)
    {
        var kept = draft with { Version = state.State.Drafts.Count + 1 };
        state.State.Drafts.Add(kept);
        await state.WriteStateAsync();
        return kept;
    }

    public Task<IReadOnlyList<EpisodeDraft>> GetDraftsAsync() => Task.FromResult<IReadOnlyList<EpisodeDraft>>([.. state.State.Drafts]);

    private async Task<EpisodeDraft> WriteAsync(SeriesPlan plan, EpisodePlan episode, SeriesDraftRequest request)
    {
        var now = DateTimeOffset.UtcNow;
        if (!request.UseModel)
        {
            return EpisodeWriter.Extractive(plan, episode, 0, now);
        }
        try
        {
            var answer = await ModelText.GenerateAsync(GrainFactory, new GenerationRequest
            {
                Model = request.Model,
                Kind = request.Kind ?? TaskKinds.Summarise,
                System = EpisodeWriter.System,
                Prompt = EpisodeWriter.Prompt(plan, episode, DraftContextTokens),
                NumCtx = DraftContextTokens,
                MaxTokens = DraftAnswerTokens,
                Priority = ModelPriorities.Batch,
                Caller = $"series {plan.Slug} episode {episode.Number}",
            });
            if (string.IsNullOrWhiteSpace(answer.Text))
            {
                return EpisodeWriter.Extractive(plan, episode, 0, now, $"{answer.Model} wrote nothing") with { ModelCalls = 1 };
            }
            return EpisodeWriter.FromModel(plan, episode, answer.Text, 0, now, answer.Model, 1, answer.Stats?.PromptTokens ?? 0, answer.Stats?.OutputTokens ?? 0);
        }
        catch (ModelRequestException failure) when (ModelText.NoModel(failure))
        {
            return EpisodeWriter.Extractive(plan, episode, 0, now, $"no model could draft it: {failure.Message}");
        }
    }

    private int Number()
    {
        var key = this.GetPrimaryKeyString();
        var slash = key.LastIndexOf('/');
        return slash > 0 && int.TryParse(key[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"an episode's key is {{slug}}/{{n}}, not '{key}'");
    }
}
