using ConvoCanvas.Abstractions;
using ConvoCanvas.Content.Series;
using ConvoCanvas.Content.Text;

namespace ConvoCanvas.Grains.Content;

/// <summary>
/// Writes a post in three lengths with a model when one can, else keeps the extractive ones. A model's post
/// over its limit is sent back once to be shortened; still over, it is cut at a sentence boundary
/// (<see cref="TextLength.Fit"/>). So no post exceeds its limit, whatever the model writes.
/// </summary>
internal sealed partial class PostMaker(IGrainFactory grains, bool useModel, string caller)
{
    public int Calls { get; private set; }
    public int PromptTokens { get; private set; }
    public int OutputTokens { get; private set; }
    public int Shortened { get; private set; }
    public int Cut { get; private set; }

    /// <summary>Why the posts are extractive, once a model could not serve.</summary>
    public string? NoModel { get; private set; }

    public async Task<PostSet> SetAsync(PostSet extractive, string material, IReadOnlyList<string> hashtags)
    {
        if (!useModel || NoModel is not null)
        {
            return extractive;
        }
        var posts = new List<string>();
        var fallback = new[] { extractive.Short, extractive.Medium, extractive.Long };
        var i = 0;
        foreach (var (name, limit) in PostSet.Lengths)
        {
            // The sources' hashtags end every post, whole: the model's body is checked against the room they leave.
            var body = await BodyAsync(name, limit, PostWriter.BodyRoom(hashtags, limit), $"{material}\n\nHashtags to end with: {string.Join(' ', hashtags)}");
            if (body is null)
            {
                return extractive;
            }
            // An empty answer keeps the extractive post.
            posts.Add(body.Length == 0 ? fallback[i] : PostWriter.Compose(body, hashtags, limit));
            i++;
        }
        return new PostSet(posts[0], posts[1], posts[2]);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(\s*#[\p{L}\p{N}_]+)+\s*$")]
    private static partial System.Text.RegularExpressions.Regex TrailingHashtags();

    private static string Body(string post) => TrailingHashtags().Replace(post.Trim(), "").Trim();

    /// <summary>The model's post without its hashtags, at most <paramref name="room"/> characters: sent back once, then cut.</summary>
    private async Task<string?> BodyAsync(string name, int limit, int room, string material)
    {
        try
        {
            var body = Body(await AskAsync(PostWriter.Prompt(name, limit, material), limit));
            if (TextLength.Count(body) > room)
            {
                Shortened++;
                body = Body(await AskAsync(PostWriter.ShortenPrompt(body, room), limit));
            }
            if (TextLength.Count(body) > room)
            {
                Cut++;
                body = TextLength.Fit(body, room);
            }
            return body;
        }
        catch (ModelRequestException failure) when (ModelText.NoModel(failure))
        {
            NoModel = $"posts are extractive: no model could write them ({failure.Message})";
            return null;
        }
    }

    private async Task<string> AskAsync(string prompt, int limit)
    {
        var answer = await ModelText.GenerateAsync(grains, new GenerationRequest
        {
            Kind = TaskKinds.Summarise,
            Prompt = prompt,
            // A token is rarely less than three characters; room for a post somewhat over its limit.
            MaxTokens = limit / 2 + 64,
            Priority = ModelPriorities.Batch,
            Caller = caller,
        });
        Calls++;
        PromptTokens += answer.Stats?.PromptTokens ?? 0;
        OutputTokens += answer.Stats?.OutputTokens ?? 0;
        return answer.Text;
    }
}
