namespace ConvoCanvas.Inference.Trace;

/// <summary>
/// A realistic day of one person's local-model use on the reference catalogue, the same for the same seed
/// (t_ms 0 is midnight):
/// <list type="bullet">
/// <item>nightly drafting at 01:00 (background): a blog series of 8 episodes, each an outline
/// (deepseek-r1:14b), a draft (phi4) and three posts (qwen2.5:7b); then summaries of the day's conversations (llama3.1:8b);</item>
/// <item>chat sessions from 08:00 to 23:00, busier in working hours: a few turns each, 20–120 s apart, from three
/// clients that ask for different num_ctx (Open WebUI 2048, LibreChat 4096, ConvoCanvas 8192), across the chat
/// models, with a title from llama3.2:1b after the first turn (the person sees it appear);</item>
/// <item>three coding sessions: completions from qwen2.5-coder:7b every 8–30 s, and questions to qwen2.5-coder:14b
/// (or codellama:7b) every few minutes;</item>
/// <item>a dozen reasoning questions to the deepseek-r1 models (long outputs);</item>
/// <item>search queries (nomic-embed-text query embeddings, interactive) all day, more while indexing;</item>
/// <item>a bulk embedding of 25,000 chunks at 10:30 (batch, 64 chunks a request) and, right after it,
/// 2,000 chunks of a second vault into mxbai-embed-large.</item>
/// </list>
/// </summary>
public sealed class DayTraceGenerator(int seed)
{
    private const long Hour = 3_600_000;
    private const long Minute = 60_000;

    private readonly Random _random = new(seed);
    private readonly List<InferenceRequest> _requests = [];

    /// <summary>Chunks in the day's bulk embedding.</summary>
    public const int BulkChunks = 25_000;

    public IReadOnlyList<InferenceRequest> Generate()
    {
        _requests.Clear();
        NightlyDrafting(1 * Hour);
        ChatSessions();
        CodingSession(9 * Hour + Between(0, 20) * Minute, Between(50, 90));
        CodingSession(14 * Hour + Between(0, 20) * Minute, Between(40, 80));
        CodingSession(16 * Hour + 30 * Minute + Between(0, 20) * Minute, Between(30, 60));
        Reasoning(12);
        SearchQueries();
        BulkEmbedding(10 * Hour + 30 * Minute, "nomic-embed-text", BulkChunks, chunksPerRequest: 64, numCtx: 2048, tokensPerChunk: (180, 320));
        BulkEmbedding(10 * Hour + 31 * Minute, "mxbai-embed-large", 2_000, chunksPerRequest: 32, numCtx: 512, tokensPerChunk: (120, 300));
        var ordered = _requests.OrderBy(r => r.TMs).ThenBy(r => r.Id).ToList();
        return ordered.Select((r, i) => r with { Id = i }).ToList();
    }

    private void NightlyDrafting(long at)
    {
        for (var episode = 0; episode < 8; episode++)
        {
            var t = at + episode * 2_000;
            Add(t, "deepseek-r1:14b", Priority.Background, Between(4_000, 7_000), Between(1_000, 2_000), 16384);
            Add(t + 1, "phi4", Priority.Background, Between(6_000, 9_000), Between(1_800, 3_000), 16384);
            foreach (var words in new[] { 150, 400, 900 })
            {
                Add(t + 2, "qwen2.5:7b", Priority.Background, Between(2_500, 3_500), words + Between(0, 100), 8192);
            }
        }
        for (var i = 0; i < 40; i++)
        {
            Add(at + 90 * Minute + i * 500, "llama3.1:8b", Priority.Background, Between(2_000, 6_000), Between(200, 400), 8192);
        }
    }

    private void ChatSessions()
    {
        (string Model, int Weight)[] models =
        [
            ("llama3.1:8b", 34), ("qwen2.5:7b", 14), ("mistral:7b", 10), ("gemma2:9b", 9), ("llama3.2:3b", 9),
            ("phi4", 7), ("phi3:mini", 5), ("llava:7b", 5), ("deepseek-r1:8b", 7),
        ];
        (int NumCtx, int Weight)[] clients = [(2048, 40), (4096, 25), (8192, 35)];
        var t = 8 * Hour;
        while (t < 23 * Hour)
        {
            var working = t is >= 8 * Hour and < 12 * Hour or >= 13 * Hour and < 18 * Hour;
            t += (long)(Exponential(working ? 9 : 22) * Minute);
            var model = Pick(models);
            var numCtx = Pick(clients);
            if (model == "gemma2:9b")
            {
                numCtx = Math.Min(numCtx, 8192);
            }
            var turns = Between(2, 8);
            var at = t;
            for (var turn = 0; turn < turns; turn++)
            {
                var output = model.StartsWith("deepseek-r1", StringComparison.Ordinal) ? Between(600, 1_800) : Between(120, 600);
                var prompt = Math.Min(numCtx - output, (model == "llava:7b" ? 1_000 : 200) + turn * Between(250, 500));
                Add(at, model, Priority.Interactive, Math.Max(50, prompt), output, numCtx);
                if (turn == 0)
                {
                    Add(at + 4_000, "llama3.2:1b", Priority.Interactive, Between(300, 700), Between(8, 20), 2048);
                }
                at += Between(20, 120) * 1_000L;
            }
        }
    }

    private void CodingSession(long start, int minutes)
    {
        var end = start + minutes * Minute;
        var chatModel = _random.NextDouble() < 0.3 ? "codellama:7b" : "qwen2.5-coder:14b";
        for (var t = start; t < end; t += Between(8, 30) * 1_000L)
        {
            Add(t, "qwen2.5-coder:7b", Priority.Interactive, Between(800, 2_000), Between(30, 120), 4096);
        }
        for (var t = start + Between(1, 4) * Minute; t < end; t += Between(2, 7) * Minute)
        {
            Add(t, chatModel, Priority.Interactive, Between(2_000, 6_000), Between(250, 800), 8192);
        }
    }

    private void Reasoning(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var t = 8 * Hour + (long)(_random.NextDouble() * 10 * Hour);
            var roll = _random.NextDouble();
            var (model, numCtx) = roll < 0.6 ? ("deepseek-r1:8b", 16384) : roll < 0.85 ? ("deepseek-r1:7b", 8192) : ("deepseek-r1:14b", 8192);
            Add(t, model, Priority.Interactive, Between(400, 1_500), Between(800, 2_500), numCtx);
        }
    }

    private void SearchQueries()
    {
        for (var t = 8 * Hour; t < 23 * Hour; t += (long)(Exponential(6) * Minute))
        {
            Add(t, "nomic-embed-text", Priority.Interactive, Between(8, 40), 0, 2048);
        }
        // Someone checks the new notes are searchable while the bulk embedding runs.
        for (var t = 10 * Hour + 31 * Minute; t < 10 * Hour + 40 * Minute; t += (long)(Exponential(0.7) * Minute))
        {
            Add(t, "nomic-embed-text", Priority.Interactive, Between(8, 40), 0, 2048);
        }
    }

    private void BulkEmbedding(long start, string model, int chunks, int chunksPerRequest, int numCtx, (int Min, int Max) tokensPerChunk)
    {
        // The indexer chunks and sends a request every 50 ms or so, much faster than the GPU embeds them.
        var t = start;
        for (var done = 0; done < chunks; done += chunksPerRequest)
        {
            var count = Math.Min(chunksPerRequest, chunks - done);
            var tokens = 0;
            for (var i = 0; i < count; i++)
            {
                tokens += Between(tokensPerChunk.Min, tokensPerChunk.Max);
            }
            Add(t, model, Priority.Batch, tokens, 0, numCtx);
            t += Between(30, 70);
        }
    }

    private void Add(long tMs, string model, Priority priority, int prompt, int output, int numCtx) =>
        _requests.Add(new InferenceRequest(_requests.Count, tMs, model, priority, prompt, output, numCtx));

    private int Between(int min, int max) => _random.Next(min, max + 1);

    private double Exponential(double mean) => -mean * Math.Log(1 - _random.NextDouble());

    private T Pick<T>((T Item, int Weight)[] choices)
    {
        var roll = _random.Next(choices.Sum(c => c.Weight));
        foreach (var (item, weight) in choices)
        {
            if ((roll -= weight) < 0)
            {
                return item;
            }
        }
        return choices[^1].Item;
    }
}
