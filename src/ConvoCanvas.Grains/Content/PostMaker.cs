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
            var post = await PostAsync(name, limit, $"{material}\n\nHashtags to end with: {string.Join(' ', hashtags)}");
            if (post is null)
            {
                return extractive;
            }
            // The sources' hashtags end every post, whole; an empty answer keeps the extractive post.
            var body = TrailingHashtags().Replace(post, "").Trim();
            posts.Add(body.Length == 0 ? fallback[i] : PostWriter.Compose(body, hashtags, limit));
            i++;
        }
        return new PostSet(posts[0], posts[1], posts[2]);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(\s*#[\p{L}\p{N}_]+)+\s*$")]
    private static partial System.Text.RegularExpressions.Regex TrailingHashtags();

    private async Task<string?> PostAsync(string name, int limit, string material)
    {
        try
        {
            var post = (await AskAsync(PostWriter.Prompt(name, limit, material), limit)).Trim();
            if (TextLength.Count(post) > limit)
            {
                Shortened++;
                post = (await AskAsync(PostWriter.ShortenPrompt(post, limit), limit)).Trim();
            }
            if (TextLength.Count(post) > limit)
            {
                Cut++;
                post = TextLength.Fit(post, limit);
            }
            return post;
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
