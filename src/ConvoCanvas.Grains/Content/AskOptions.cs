namespace ConvoCanvas.Grains.Content;

/// <summary>How questions are answered (<c>ConvoCanvas:Ask</c>).</summary>
public sealed class AskOptions
{
    public const string SectionName = "ConvoCanvas:Ask";

    /// <summary>
    /// A passage found only by meaning counts as evidence from this cosine similarity up (a keyword match
    /// always counts). Search always has nearest neighbours, even for a question the notes never touch:
    /// below this they are not evidence, and the answer says nothing was found. 0.3 suits the built-in
    /// MiniLM embedder; embedders whose unrelated texts score higher (nomic-embed-text) want more.
    /// </summary>
    public double MinSimilarity { get; set; } = 0.3;
}
