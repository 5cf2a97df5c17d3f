using ConvoCanvas.Abstractions;
using ConvoCanvas.Content.Series;

namespace ConvoCanvas.Grains.Content;

[GenerateSerializer, Alias("convocanvas.BlogEpisodeState")]
public sealed class BlogEpisodeState
{
    [Id(0)] public List<EpisodeDraft> Drafts { get; set; } = [];
}

/// <summary>An episode's drafts (key <c>{slug}/{n}</c>), every version kept in PostgreSQL.</summary>
public sealed class BlogEpisodeGrain(
    [PersistentState("episode", ProviderNames.Storage)] IPersistentState<BlogEpisodeState> state) : Grain, IBlogEpisodeGrain
{
    public async Task<EpisodeDraft> AddAsync(EpisodeDraft draft)
    {
        var kept = draft with { Version = state.State.Drafts.Count + 1 };
        state.State.Drafts.Add(kept);
        await state.WriteStateAsync();
        return kept;
    }

    public Task<IReadOnlyList<EpisodeDraft>> GetDraftsAsync() => Task.FromResult<IReadOnlyList<EpisodeDraft>>([.. state.State.Drafts]);
}
