using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConvoCanvas.Search.Embeddings;

namespace ConvoCanvas.Search.Tests.Embeddings;

public sealed class OllamaEmbedderTests : IAsyncLifetime
{
    private readonly FakeOllama ollama = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await ollama.DisposeAsync();

    [Fact]
    public async Task Vectors_come_back_in_order_and_unit_length()
    {
        using var http = new HttpClient { BaseAddress = ollama.Address };
        using var embedder = new OllamaEmbedder(http);
        string[] texts = ["a", "bbb", "cc"];

        var vectors = await embedder.EmbedAsync(texts);

        Assert.Equal(3, vectors.Length);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(1.0, Math.Sqrt(vectors[i].Sum(v => (double)v * v)), 5);
            // The fake answers [length, 1, 0, 0] per text (prefix included): after scaling, the first two stay in that ratio.
            Assert.Equal(embedder.DocumentPrefix.Length + texts[i].Length, vectors[i][0] / vectors[i][1], 3);
        }

        var request = Assert.Single(ollama.Requests);
        Assert.Equal("nomic-embed-text", request["model"]!.GetValue<string>());
        Assert.Equal(texts.Select(t => "search_document: " + t), request["input"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public async Task Queries_and_documents_get_the_models_own_instructions()
    {
        using var nomic = new OllamaEmbedder(ollama.Address, "nomic-embed-text:v1.5");
        await nomic.EmbedQueryAsync("how do I pin a model");
        await nomic.EmbedAsync(["a note"]);
        using var mxbai = new OllamaEmbedder(ollama.Address, "mxbai-embed-large");
        await mxbai.EmbedQueryAsync("how do I pin a model");
        await mxbai.EmbedAsync(["a note"]);
        using var other = new OllamaEmbedder(ollama.Address, "all-minilm");
        await other.EmbedQueryAsync("how do I pin a model");

        var inputs = ollama.Requests.Select(r => r["input"]!.AsArray().Single()!.GetValue<string>()).ToList();
        Assert.Equal(
            [
                "search_query: how do I pin a model",
                "search_document: a note",
                "Represent this sentence for searching relevant passages: how do I pin a model",
                "a note",
                "how do I pin a model",
            ],
            inputs);
        // The model's own prefixes keep the plain id: the collection and cache entries stay the same.
        Assert.Equal("ollama-nomic-embed-text-v1.5", nomic.Id);
    }

    [Fact]
    public async Task Other_prefixes_make_another_embedder_id()
    {
        using var http = new HttpClient { BaseAddress = ollama.Address };
        using var custom = new OllamaEmbedder(http, new OllamaEmbedderOptions { QueryPrefix = "query: ", DocumentPrefix = "passage: " });
        using var plain = new OllamaEmbedder(http, new OllamaEmbedderOptions { QueryPrefix = "", DocumentPrefix = "" });

        await custom.EmbedAsync(["x"]);

        Assert.Equal("passage: x", ollama.Requests.Single()["input"]!.AsArray().Single()!.GetValue<string>());
        Assert.StartsWith("ollama-nomic-embed-text-p", custom.Id);
        Assert.StartsWith("ollama-nomic-embed-text-p", plain.Id);
        Assert.NotEqual(custom.Id, plain.Id);
    }

    [Fact]
    public async Task Dimensions_are_learnt_from_the_first_response()
    {
        using var embedder = new OllamaEmbedder(ollama.Address, "all-minilm");
        Assert.Equal(0, embedder.Dimensions);
        Assert.Equal("ollama-all-minilm", embedder.Id);
        Assert.Equal(2048, embedder.MaxTokens);

        await embedder.EmbedAsync(["hello"]);

        Assert.Equal(4, embedder.Dimensions);
        Assert.Equal("all-minilm", ollama.Requests.Single()["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Many_texts_go_in_batches_and_keep_their_order()
    {
        using var http = new HttpClient { BaseAddress = ollama.Address };
        using var embedder = new OllamaEmbedder(http, new OllamaEmbedderOptions { BatchSize = 2, Model = "nomic-embed-text:v1.5" });
        var texts = Enumerable.Range(1, 5).Select(n => new string('x', n)).ToList();

        var vectors = await embedder.EmbedAsync(texts);

        Assert.Equal(3, ollama.Requests.Count);
        for (var i = 0; i < texts.Count; i++) Assert.Equal(embedder.DocumentPrefix.Length + texts[i].Length, vectors[i][0] / vectors[i][1], 3);
        Assert.Equal("ollama-nomic-embed-text-v1.5", embedder.Id);
    }

    [Fact]
    public async Task A_response_with_the_wrong_number_of_vectors_is_an_error()
    {
        ollama.DropLast = true;
        using var embedder = new OllamaEmbedder(ollama.Address);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => embedder.EmbedAsync(["a", "b"]));
        Assert.Contains("returned 1 embeddings for 2 texts", error.Message);
    }

    [Fact]
    public void Tokens_are_bert_word_pieces_unless_a_counter_is_given()
    {
        using var wordPieces = new OllamaEmbedder(ollama.Address);
        using var miniLm = new MiniLmEmbedder();
        Assert.Equal(0, wordPieces.CountTokens(""));
        Assert.Equal(3, wordPieces.CountTokens("hello world!"));
        // The same pieces as MiniLM's: a switch between the two keeps every chunk as it was.
        const string text = "Kubernetes schedules Pods onto nodes; `kubectl get pods -o wide` shows where.";
        Assert.Equal(miniLm.CountTokens(text), wordPieces.CountTokens(text));

        using var http = new HttpClient { BaseAddress = ollama.Address };
        using var counted = new OllamaEmbedder(http, new OllamaEmbedderOptions { TokenCounter = t => t.Split(' ').Length });
        Assert.Equal(2, counted.CountTokens("hello world!"));
    }

    /// <summary>
    /// Answers POST /api/embed the way Ollama does, with [text length, 1, 0, 0] per input so a test
    /// can tell which vector belongs to which text; records each request body.
    /// </summary>
    private sealed class FakeOllama : IAsyncDisposable
    {
        private readonly HttpListener listener = new();
        private readonly CancellationTokenSource stop = new();
        private readonly Task loop;
        private readonly ConcurrentQueue<JsonObject> requests = new();

        public FakeOllama()
        {
            var port = FreePort();
            Address = new Uri($"http://127.0.0.1:{port}/");
            listener.Prefixes.Add(Address.ToString());
            listener.Start();
            loop = Task.Run(ServeAsync);
        }

        public Uri Address { get; }

        public bool DropLast { get; set; }

        public IReadOnlyList<JsonObject> Requests => requests.ToList();

        private async Task ServeAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }

                await AnswerAsync(context);
            }
        }

        private async Task AnswerAsync(HttpListenerContext context)
        {
            var response = context.Response;
            if (context.Request.HttpMethod != "POST" || context.Request.Url?.AbsolutePath != "/api/embed")
            {
                response.StatusCode = 404;
                response.Close();
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
            requests.Enqueue(body);
            var inputs = body["input"] switch
            {
                JsonArray array => array.Select(n => n!.GetValue<string>()).ToList(),
                JsonValue value => [value.GetValue<string>()],
                _ => [],
            };
            var embeddings = inputs.Select(text => new[] { text.Length, 1f, 0f, 0f }).ToList();
            if (DropLast && embeddings.Count > 0) embeddings.RemoveAt(embeddings.Count - 1);
            var answer = JsonSerializer.SerializeToUtf8Bytes(new { model = body["model"]?.GetValue<string>(), embeddings });
            response.ContentType = "application/json";
            response.ContentLength64 = answer.Length;
            await response.OutputStream.WriteAsync(answer);
            response.Close();
        }

        private static int FreePort()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            listener.Stop();
            listener.Close();
            try
            {
                await loop;
            }
            catch (ObjectDisposedException)
            {
            }

            stop.Dispose();
        }
    }
}
