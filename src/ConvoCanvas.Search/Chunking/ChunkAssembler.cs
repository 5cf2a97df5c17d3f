namespace ConvoCanvas.Search.Chunking;

/// <summary>
/// Packs blocks into chunks for one source: consecutive blocks under the same prefix share a chunk
/// while they fit; a block too big for any chunk is split (with overlap between its pieces).
/// Every chunk it emits is within <see cref="ChunkingOptions.MaxTokens"/>, prefix included.
/// </summary>
internal sealed class ChunkAssembler(string sourceId, TextSplitter splitter, ChunkingOptions options)
{
    private const string BlockSeparator = "\n\n";
    private readonly List<Chunk> chunks = [];
    private readonly List<string> openBlocks = [];
    private string openPrefix = "";
    private string? openAnchor;
    private string? openHeading;
    private int openTokens;

    public IReadOnlyList<Chunk> Chunks => chunks;

    public bool HasOpenChunk => openBlocks.Count > 0;

    /// <summary>
    /// The prefix every chunk of a section starts with, cut to a quarter of the budget so a
    /// pathological title or heading cannot leave no room for text.
    /// </summary>
    public string Prefix(string label)
    {
        var limit = options.MaxTokens / 4;
        var trimmed = splitter.Count(label) <= limit ? label : splitter.Head(label, limit);
        return trimmed.Length == 0 ? "" : trimmed + BlockSeparator;
    }

    /// <summary>Adds a block under <paramref name="prefix"/>: to the open chunk when that has the same prefix and room, else to a new one.</summary>
    public void Add(string prefix, string? anchor, string? heading, string block)
    {
        block = block.Trim('\r', '\n').TrimEnd();
        if (block.Length == 0) return;
        var tokens = splitter.Count(block);
        if (HasOpenChunk && prefix == openPrefix && TryAppend(block, tokens)) return;

        Flush();
        var prefixTokens = splitter.Count(prefix);
        if (prefixTokens + tokens <= options.MaxTokens)
        {
            Open(prefix, anchor, heading, block, tokens);
            return;
        }

        // A fenced code block too big for a chunk becomes several fenced blocks, split between lines,
        // so every piece still reads as code in its language; no overlap, which would sit outside the fence.
        if (FencedCode(block) is var (open, code, close))
        {
            var codeBudget = options.MaxTokens - prefixTokens - splitter.Count(open) - splitter.Count(close);
            if (codeBudget >= options.MaxTokens / 4)
            {
                var codePieces = splitter.Split(code, codeBudget);
                for (var i = 0; i < codePieces.Count; i++)
                {
                    var text = $"{open}\n{codePieces[i]}\n{close}";
                    if (i < codePieces.Count - 1) Emit(prefix, anchor, heading, text);
                    else Open(prefix, anchor, heading, text, splitter.Count(text));
                }

                return;
            }
        }

        // Too big for a chunk of its own: pieces within the budget left after the prefix and the
        // overlap. The last piece stays open, so small blocks after it can join it.
        var budget = options.MaxTokens - prefixTokens - options.OverlapTokens;
        var pieces = splitter.Split(block, budget);
        var previous = "";
        for (var i = 0; i < pieces.Count; i++)
        {
            var overlap = i == 0 ? "" : splitter.Tail(previous, options.OverlapTokens);
            var text = overlap.Length == 0 ? pieces[i] : overlap + " " + pieces[i];
            previous = pieces[i];
            if (i < pieces.Count - 1) Emit(prefix, anchor, heading, text);
            else Open(prefix, anchor, heading, text, splitter.Count(text));
        }
    }

    /// <summary>Adds a block to the open chunk whatever its prefix, if it fits there; false when it does not (nothing changes).</summary>
    public bool TryAppendToOpen(string block)
    {
        block = block.Trim('\r', '\n').TrimEnd();
        return HasOpenChunk && block.Length > 0 && TryAppend(block, splitter.Count(block));
    }

    public void Flush()
    {
        if (!HasOpenChunk) return;
        Emit(openPrefix, openAnchor, openHeading, string.Join(BlockSeparator, openBlocks));
        openBlocks.Clear();
        openTokens = 0;
    }

    /// <summary>The opening fence line, the code and the closing fence of a fenced code block; null for anything else.</summary>
    private static (string Open, string Code, string Close)? FencedCode(string block)
    {
        var firstEnd = block.IndexOf('\n');
        var lastStart = block.LastIndexOf('\n');
        if (firstEnd < 0 || lastStart <= firstEnd) return null;
        var open = block[..firstEnd].TrimEnd('\r');
        var close = block[(lastStart + 1)..].Trim();
        var fence = open.TrimStart();
        if (fence.Length < 3 || fence[0] is not ('`' or '~')) return null;
        var fenceLength = fence.TakeWhile(c => c == fence[0]).Count();
        if (fenceLength < 3 || close.Length < fenceLength || close.Any(c => c != fence[0])) return null;
        return (open, block[(firstEnd + 1)..lastStart].TrimEnd('\r'), close);
    }

    private bool TryAppend(string block, int tokens)
    {
        if (splitter.Count(openPrefix) + openTokens + tokens > options.MaxTokens) return false;
        openBlocks.Add(block);
        openTokens += tokens;
        return true;
    }

    private void Open(string prefix, string? anchor, string? heading, string block, int tokens)
    {
        openPrefix = prefix;
        openAnchor = anchor;
        openHeading = heading;
        openBlocks.Add(block);
        openTokens = tokens;
    }

    private void Emit(string prefix, string? anchor, string? heading, string body)
    {
        var text = prefix + body;
        var tokens = splitter.Count(text);
        if (tokens <= options.MaxTokens)
        {
            chunks.Add(new Chunk(sourceId, chunks.Count, text, Chunk.Hash(text), anchor, heading, tokens));
            return;
        }

        // Only reached with a counter whose counts do not add up over joined text: split again
        // with a margin that grows until every piece fits.
        for (var margin = 1; ; margin *= 2)
        {
            var budget = options.MaxTokens - splitter.Count(prefix) - margin;
            var pieces = splitter.Split(body, budget).Select(p => prefix + p).ToList();
            if (budget <= 1 || pieces.All(p => splitter.Count(p) <= options.MaxTokens))
            {
                foreach (var piece in pieces)
                    chunks.Add(new Chunk(sourceId, chunks.Count, piece, Chunk.Hash(piece), anchor, heading, splitter.Count(piece)));
                return;
            }
        }
    }
}
