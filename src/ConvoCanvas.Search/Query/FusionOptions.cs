namespace ConvoCanvas.Search.Query;

/// <summary>How the hybrid search weighs its two legs (<c>ConvoCanvas:Search:Fusion</c>).</summary>
public sealed record FusionOptions
{
    /// <summary>Reciprocal rank fusion's constant.</summary>
    public int K { get; init; } = ReciprocalRankFusion.DefaultK;

    public double VectorWeight { get; init; } = 1.0;

    /// <summary>
    /// The keyword leg's weight. Questions worded unlike the page they look for are the keyword
    /// leg's weak spot; exact names, commands and error messages are its strength. The default is
    /// the weight that gave the best fused recall@10 in the search benchmark (RESULTS.md).
    /// </summary>
    public double KeywordWeight { get; init; } = 0.5;
}
