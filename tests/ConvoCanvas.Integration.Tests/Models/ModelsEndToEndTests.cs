using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConvoCanvas.Integration.Tests.Persistence;
using ConvoCanvas.Testing;
using ConvoCanvas.Testing.Ollama;

namespace ConvoCanvas.Integration.Tests.Models;

/// <summary>
/// The model fleet as a user meets it: the real silo process with its REST API and the CLI, Ollama
/// played by the emulator over real HTTP. Callers that vanish mid-stream leave no lease behind.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ModelsEndToEndTests(PostgresServer server) : IAsyncLifetime
{
    private const long GB = 1_000_000_000;

    private readonly OllamaEmulator _ollama = new(
    [
        new EmulatedModel { Name = "llama3.1:8b", FileBytes = (long)(4.9 * GB), LoadSeconds = 2.5, TokensPerSecond = 100 },
        new EmulatedModel { Name = "qwen2.5-coder:14b", FileBytes = (long)(9.0 * GB), LoadSeconds = 4.5, TokensPerSecond = 60, Family = "qwen2", ContextLength = 32_768 },
        new EmulatedModel { Name = "slow:7b", FileBytes = (long)(4.1 * GB), LoadSeconds = 2, TokensPerSecond = 1 },
        new EmulatedModel { Name = "llama3.1:70b", FileBytes = 40 * GB, LoadSeconds = 20, TokensPerSecond = 10 },
    ], new OllamaEmulatorOptions { TimeScale = 0.01 });

    private SiloProcess _silo = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        await _ollama.StartAsync();
        _silo = new SiloProcess(await server.CreateDatabaseAsync("models"));
        _silo.Settings["CONVOCANVAS_OLLAMA"] = _ollama.Address.ToString();
        // A killed client's stream is cleaned up after two response timeouts: 5 s here instead of 30.
        _silo.Settings["Orleans__Messaging__ResponseTimeout"] = "00:00:05";
        await _silo.StartAsync();
        _http = new HttpClient { BaseAddress = _silo.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _silo.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    [Fact]
    public async Task Rest_lists_models_streams_a_routed_answer_as_server_sent_events_and_refuses_bad_requests_with_their_reason()
    {
        var models = await _http.GetFromJsonAsync<JsonElement>("api/models");
        Assert.Equal(["llama3.1:70b", "llama3.1:8b", "qwen2.5-coder:14b", "slow:7b"], models.EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        Assert.True(models.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "llama3.1:70b").GetProperty("tooLarge").GetBoolean());

        var events = await PostGenerateAsync(new { kind = "code", prompt = "reverse a list", maxTokens = 6 });
        Assert.Equal("routed", events[0].Event);
        Assert.Equal("qwen2.5-coder:14b", events[0].Data.GetProperty("model").GetString());
        Assert.Equal(6, events.Count(e => e.Event == "token"));
        var done = events.Single(e => e.Event == "done").Data.GetProperty("stats");
        Assert.Equal(60, done.GetProperty("tokensPerSecond").GetDouble(), 0);

        var gpu = await _http.GetFromJsonAsync<JsonElement>("api/gpu");
        Assert.Equal(17_171_480_576, gpu.GetProperty("budgetBytes").GetInt64());
        Assert.Contains(gpu.GetProperty("loaded").EnumerateArray(), m => m.GetProperty("model").GetString() == "qwen2.5-coder:14b");
        Assert.Equal(0, gpu.GetProperty("leases").GetArrayLength());

        await AssertProblemAsync(new { model = "no-such:7b", prompt = "hi" }, HttpStatusCode.NotFound, "not installed");
        await AssertProblemAsync(new { model = "llama3.1:70b", prompt = "hi" }, HttpStatusCode.UnprocessableEntity, "more than the budget");
        await AssertProblemAsync(new { model = "llama3.1:8b", prompt = "" }, HttpStatusCode.BadRequest, "the prompt is empty");
        await AssertProblemAsync(new { kind = "poetry", prompt = "hi" }, HttpStatusCode.BadRequest, "task kind 'poetry'");
        using var malformed = await _http.PostAsync("api/generate", new StringContent("{\"prompt\": ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        using var pin = await _http.PostAsync("api/models/llama3.1:8b/pin", null);
        Assert.Equal(HttpStatusCode.OK, pin.StatusCode);
        using var load = await _http.PostAsync("api/models/llama3.1:8b/load", null);
        Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        using var unload = await _http.PostAsync("api/models/llama3.1:8b/unload", null);
        Assert.Equal(HttpStatusCode.Conflict, unload.StatusCode);
        Assert.Contains("pinned", await unload.Content.ReadAsStringAsync());

        var ready = await _http.GetFromJsonAsync<JsonElement>("health/ready");
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("ollama").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Http_clients_and_cli_processes_killed_mid_stream_leave_no_lease()
    {
        // Three HTTP callers read a few tokens of a long answer and hang up.
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/generate") { Content = JsonContent.Create(new { model = "slow:7b", prompt = "a long story", maxTokens = 2000 }) };
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var tokens = 0;
            while (tokens < 3 && await reader.ReadLineAsync() is { } line)
            {
                tokens += line == "event: token" ? 1 : 0;
            }
            Assert.Equal(3, tokens);
        }
        await AssertNoLeasesAsync();

        // A CLI process killed while the answer streams.
        var info = CliProcess.StartInfo(_silo.GatewayPort, "chat", "--model", "slow:7b", "--max-tokens", "2000", "tell me a long story");
        using (var cli = Process.Start(info)!)
        {
            var errors = cli.StandardError.ReadToEndAsync();
            var buffer = new char[64];
            var read = await cli.StandardOutput.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            if (read == 0)
            {
                Assert.Fail($"the CLI printed nothing: {await errors}");
            }
            var gpu = await _http.GetFromJsonAsync<JsonElement>("api/gpu");
            Assert.Equal("cli", Assert.Single(gpu.GetProperty("leases").EnumerateArray()).GetProperty("caller").GetString()![..3]);
            cli.Kill(entireProcessTree: true);
            await cli.WaitForExitAsync();
        }
        await AssertNoLeasesAsync();

        // The GPU is free: a new request runs at once.
        var events = await PostGenerateAsync(new { model = "llama3.1:8b", prompt = "still there?", maxTokens = 3 });
        Assert.Single(events, e => e.Event == "done");
    }

    [Fact]
    public async Task Cli_lists_pins_chats_and_reports_the_gpu()
    {
        var (code, output, error) = await RunCliAsync("chat", "--kind", "chat", "--max-tokens", "5", "hello there");
        Assert.True(code == 0, error);
        Assert.Contains("token", output);
        Assert.Contains("llama3.1:8b · 5 tokens at 100.0 tokens/s", error);

        (code, output, error) = await RunCliAsync("models", "list", "--json");
        Assert.True(code == 0, error);
        var listed = JsonDocument.Parse(output).RootElement;
        var llama = listed.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "llama3.1:8b");
        Assert.True(llama.GetProperty("loaded").GetBoolean());
        Assert.Equal(1, llama.GetProperty("stats").GetProperty("requests").GetInt64());

        (code, output, error) = await RunCliAsync("models", "pin", "llama3.1:8b");
        Assert.True(code == 0, error);
        (code, _, error) = await RunCliAsync("models", "unload", "llama3.1:8b");
        Assert.Equal(1, code);
        Assert.Contains("error: 'llama3.1:8b' is pinned", error);
        (code, _, error) = await RunCliAsync("models", "unpin", "llama3.1:8b");
        Assert.True(code == 0, error);
        (code, output, error) = await RunCliAsync("models", "unload", "llama3.1:8b");
        Assert.True(code == 0, error);
        (code, output, error) = await RunCliAsync("models", "load", "qwen2.5-coder:14b", "--num-ctx", "8192");
        Assert.True(code == 0, error);

        (code, output, error) = await RunCliAsync("gpu", "--json");
        Assert.True(code == 0, error);
        var gpu = JsonDocument.Parse(output).RootElement;
        var loaded = Assert.Single(gpu.GetProperty("loaded").EnumerateArray());
        Assert.Equal(("qwen2.5-coder:14b", 8192), (loaded.GetProperty("model").GetString(), loaded.GetProperty("numCtx").GetInt32()));
        Assert.Equal("ok", gpu.GetProperty("ollama").GetProperty("state").GetString());

        (code, output, error) = await RunCliAsync("gpu");
        Assert.True(code == 0, error);
        Assert.Contains("qwen2.5-coder:14b", output);

        (code, _, error) = await RunCliAsync("chat", "--model", "llama3.1:70b", "hi");
        Assert.Equal(1, code);
        Assert.Contains("more than the budget", error);
    }

    private async Task AssertNoLeasesAsync()
    {
        // Long polls on the books' version: each answer comes when they change (or after 2 s).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        var gpu = await _http.GetFromJsonAsync<JsonElement>("api/gpu");
        while (gpu.GetProperty("leases").GetArrayLength() != 0 || gpu.GetProperty("queue").GetArrayLength() != 0
            || gpu.GetProperty("loaded").EnumerateArray().Any(m => m.GetProperty("running").GetInt32() != 0))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"leases still held after 90 s: {gpu}");
            }
            // Under this silo's 5 s response timeout.
            gpu = await _http.GetFromJsonAsync<JsonElement>($"api/gpu?after={gpu.GetProperty("version").GetInt64()}&wait=2");
        }
    }

    private async Task<List<(string Event, JsonElement Data)>> PostGenerateAsync(object body)
    {
        using var response = await _http.PostAsJsonAsync("api/generate", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<(string, JsonElement)>();
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            events.Add((lines[0]["event: ".Length..], JsonDocument.Parse(lines[1]["data: ".Length..]).RootElement.Clone()));
        }
        return events;
    }

    private async Task AssertProblemAsync(object body, HttpStatusCode status, string reason)
    {
        using var response = await _http.PostAsJsonAsync("api/generate", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {text}");
        Assert.Contains(reason, JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString());
    }

    private Task<(int ExitCode, string Out, string Error)> RunCliAsync(params string[] args) => CliProcess.RunAsync(_silo.GatewayPort, args);
}
