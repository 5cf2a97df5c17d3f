using System.Diagnostics;
using System.Text.Json;
using ConvoCanvas.Integration.Tests.Persistence;
using ConvoCanvas.Testing;

namespace ConvoCanvas.Integration.Tests.Cli;

/// <summary>The convocanvas CLI as a user runs it, against the real silo process.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CliTests(PostgresServer server) : IAsyncLifetime
{
    private SiloProcess _silo = null!;


    private static string Fixtures => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public async Task InitializeAsync()
    {
        _silo = new SiloProcess(await server.CreateDatabaseAsync("cli"));
        await _silo.StartAsync();
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args) => CliProcess.RunAsync(_silo.GatewayPort, args);

    [Fact]
    public async Task Import_prints_the_summary_object_and_a_second_import_finds_everything_unchanged()
    {
        var (code, output, error) = await RunAsync("import", Fixtures);
        Assert.True(code == 0, error);
        using var first = JsonDocument.Parse(output);
        var counts = first.RootElement.GetProperty("conversations");
        var created = counts.GetProperty("new").GetInt32();
        Assert.True(created >= 4, output);
        Assert.True(first.RootElement.GetProperty("messages").GetInt64() > 0);
        foreach (var item in first.RootElement.GetProperty("errors").EnumerateArray())
        {
            Assert.False(string.IsNullOrEmpty(item.GetProperty("file").GetString()));
            Assert.False(string.IsNullOrEmpty(item.GetProperty("item").GetString()));
            Assert.False(string.IsNullOrEmpty(item.GetProperty("reason").GetString()));
        }

        (code, output, error) = await RunAsync("import", Fixtures);
        Assert.True(code == 0, error);
        using var second = JsonDocument.Parse(output);
        Assert.Equal(0, second.RootElement.GetProperty("conversations").GetProperty("new").GetInt32());
        Assert.Equal(created, second.RootElement.GetProperty("conversations").GetProperty("unchanged").GetInt32());

        (code, output, _) = await RunAsync("conversations", "list", "--json", "--source", "librechat");
        Assert.Equal(0, code);
        using var list = JsonDocument.Parse(output);
        var items = list.RootElement.GetProperty("items");
        Assert.True(items.GetArrayLength() > 0);
        Assert.All(items.EnumerateArray(), i => Assert.Equal("librechat", i.GetProperty("source").GetString()));

        var id = items[0].GetProperty("id").GetString()!;
        (code, output, error) = await RunAsync("conversations", "show", id, "--brief", "4096", "--json");
        Assert.True(code == 0, error);
        using var show = JsonDocument.Parse(output);
        Assert.Equal(id, show.RootElement.GetProperty("conversation").GetProperty("id").GetString());
        Assert.Equal(5, show.RootElement.GetProperty("tokens").GetProperty("windows").GetArrayLength());
        Assert.False(string.IsNullOrWhiteSpace(show.RootElement.GetProperty("brief").GetString()));

        (code, output, _) = await RunAsync("stats", "--json");
        Assert.Equal(0, code);
        using var stats = JsonDocument.Parse(output);
        Assert.True(stats.RootElement.GetProperty("conversations").GetInt32() >= created);
    }

    [Fact]
    public async Task Vault_add_and_status_report_documents_and_skipped_files_with_reasons()
    {
        var vault = Directory.CreateTempSubdirectory("convocanvas-cli-vault-");
        try
        {
            File.WriteAllText(Path.Combine(vault.FullName, "Note.md"), "# Note\n#tag and [[Other]]");
            Directory.CreateDirectory(Path.Combine(vault.FullName, ".obsidian"));
            File.WriteAllText(Path.Combine(vault.FullName, ".obsidian", "app.json"), "{}");
            File.WriteAllText(Path.Combine(vault.FullName, "picture.png"), "png");

            var (code, output, error) = await RunAsync("vault", "add", "notes", vault.FullName, "--json");
            Assert.True(code == 0, error);
            Assert.Equal(1, JsonDocument.Parse(output).RootElement.GetProperty("result").GetProperty("created").GetInt32());

            (code, output, error) = await RunAsync("vault", "status", "notes", "--json");
            Assert.True(code == 0, error);
            using var status = JsonDocument.Parse(output);
            Assert.Equal(1, status.RootElement.GetProperty("documents").GetInt32());
            Assert.True(status.RootElement.GetProperty("skipped").GetInt32() >= 2, output);
            Assert.All(status.RootElement.GetProperty("files").EnumerateArray().Where(f => f.GetProperty("status").GetString() != "stored"),
                f => Assert.False(string.IsNullOrEmpty(f.GetProperty("reason").GetString())));
        }
        finally
        {
            vault.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Vault_add_wait_returns_when_indexed_and_search_json_prints_the_documented_fields()
    {
        var root = Directory.CreateTempSubdirectory("cc-cli-search-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root, "Kites.md"), "---\ntags: [outdoors]\n---\n# Kites\n\n## Flying\n\nA kite climbs when the wind is steady and the line is let out slowly.\n");
            await File.WriteAllTextAsync(Path.Combine(root, "Soup.md"), "# Soup\n\nSimmer the onions before adding the stock.\n");
            var (code, output, error) = await RunAsync("vault", "add", "clisearch", root, "--wait", "--json");
            Assert.True(code == 0, error + output);
            using (var added = JsonDocument.Parse(output))
            {
                var index = added.RootElement.GetProperty("index");
                Assert.Equal(2, index.GetProperty("indexed").GetInt32());
                Assert.Equal(0, index.GetProperty("pending").GetInt32());
            }

            (code, output, error) = await RunAsync("stats", "--json");
            Assert.True(code == 0, error);
            using (var stats = JsonDocument.Parse(output))
            {
                var search = stats.RootElement.GetProperty("search");
                Assert.True(search.GetProperty("chunks").GetInt64() >= 2);
                Assert.Equal(search.GetProperty("chunks").GetInt64(), search.GetProperty("vectors").GetInt64());
                Assert.Equal("minilm-l6-v2", search.GetProperty("servingEmbedder").GetString());
                Assert.False(search.TryGetProperty("switch", out _), "no switch under way");
            }

            (code, output, error) = await RunAsync("search", "what makes a kite rise", "--limit", "2", "--kind", "note", "--json");
            Assert.True(code == 0, error);
            using var hits = JsonDocument.Parse(output);
            var first = hits.RootElement[0];
            Assert.Equal(["title", "source", "path", "anchor", "snippet", "score"], first.EnumerateObject().Select(p => p.Name));
            Assert.Equal("Kites", first.GetProperty("title").GetString());
            Assert.Equal("clisearch", first.GetProperty("source").GetString());
            Assert.Equal("Kites.md", first.GetProperty("path").GetString());
            Assert.Equal("flying", first.GetProperty("anchor").GetString());
            Assert.Contains("**kite**", first.GetProperty("snippet").GetString(), StringComparison.OrdinalIgnoreCase);
            Assert.True(first.GetProperty("score").GetDouble() > 0);

            (code, _, error) = await RunAsync("search", " ");
            Assert.Equal(1, code);
            Assert.Contains("empty", error, StringComparison.Ordinal);

            (code, output, error) = await RunAsync("search", "kite", "--tag", "outdoors", "--since", "not-a-date");
            Assert.Equal(1, code);
            Assert.Contains("--since must be a date", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Unknown_ids_and_an_unreachable_gateway_give_one_clear_line_and_exit_1()
    {
        var (code, _, error) = await RunAsync("conversations", "show", "chatgpt:does-not-exist");
        Assert.Equal(1, code);
        Assert.Contains("no conversation 'chatgpt:does-not-exist'", error);

        var info = new ProcessStartInfo("dotnet", [CliProcess.Dll, "stats", "--gateway", $"127.0.0.1:{PostgresServer.FreeTcpPort()}"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(info)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("cannot reach the ConvoCanvas silo", stderr);
    }
}
