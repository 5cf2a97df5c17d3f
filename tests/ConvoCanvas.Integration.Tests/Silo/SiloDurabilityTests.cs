using System.Net.Http.Json;
using System.Text.Json;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Abstractions.Client;
using ConvoCanvas.Ingest.Import;
using ConvoCanvas.Integration.Tests.Persistence;
using ConvoCanvas.Testing;
using Xunit.Abstractions;

namespace ConvoCanvas.Integration.Tests.Silo;

/// <summary>The real silo process on the real PostgreSQL: import, crash, restart, read back.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SiloDurabilityTests(PostgresServer server, ITestOutputHelper output)
{
    private static string OwnFixtures => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    [Fact]
    public async Task Imported_conversations_survive_kill_9_and_reimport_creates_nothing_new()
    {
        var db = await server.CreateDatabaseAsync("silo_kill9");
        await using var silo = new SiloProcess(db);
        await silo.StartAsync();

        ImportSummary first;
        string someId;
        await using (var client = await OrleansGatewayClient.ConnectAsync(silo.GatewayPort))
        {
            first = await new ImportRunner(client.Client).RunAsync(ImportSource.Of("fixtures", new ExportReader().Read([OwnFixtures])));
            var page = await client.Client.GetGrain<IConversationCatalogGrain>(0).ListAsync(new ConversationQuery { Limit = 1000 });
            Assert.Equal(first.New, page.Total);
            someId = page.Items[0].Id;
        }
        output.WriteLine($"imported: {first.New} new, {first.Failed} failed, {first.Messages} messages");
        Assert.True(first.New >= 4, $"expected the fixtures' conversations, got {first.New}");

        await silo.KillAsync();
        await silo.StartAsync();

        await using (var client = await OrleansGatewayClient.ConnectAsync(silo.GatewayPort))
        {
            var page = await client.Client.GetGrain<IConversationCatalogGrain>(0).ListAsync(new ConversationQuery { Limit = 1000 });
            Assert.Equal(first.New, page.Total);
            var conversation = await client.Client.GetGrain<IConversationGrain>(someId).GetAsync();
            Assert.NotNull(conversation);
            Assert.NotEmpty(conversation.Messages);

            var again = await new ImportRunner(client.Client).RunAsync(ImportSource.Of("fixtures", new ExportReader().Read([OwnFixtures])));
            Assert.Equal((0, 0, first.New), (again.New, again.Updated, again.Unchanged));
        }
    }

    [Fact]
    public async Task Rest_upload_imports_and_conversations_read_back_after_a_graceful_restart()
    {
        var db = await server.CreateDatabaseAsync("silo_rest");
        await using var silo = new SiloProcess(db);
        await silo.StartAsync();
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };

        var fixture = Directory.GetFiles(OwnFixtures, "chatgpt*.json").Order().First();
        using var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(fixture)), "file", Path.GetFileName(fixture) } };
        using var response = await http.PostAsync("api/imports", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var report = JsonDocument.Parse(body);
        var created = report.RootElement.GetProperty("conversations").GetProperty("new").GetInt32();
        Assert.True(created > 0, body);
        // The fixture carries deliberate bad items; the upload must report exactly what the reader finds locally.
        var local = new ExportReader().Read([fixture]).ToList();
        Assert.Equal(local.Count(i => i.Conversation is not null), created);
        Assert.Equal(local.Count(i => i.Error is not null), report.RootElement.GetProperty("errors").GetArrayLength());

        await silo.StopAsync();
        await silo.StartAsync();

        var page = await http.GetFromJsonAsync<JsonElement>("api/conversations?source=chatgpt");
        Assert.Equal(created, page.GetProperty("total").GetInt32());
        var id = page.GetProperty("items")[0].GetProperty("id").GetString()!;
        var detail = await http.GetFromJsonAsync<JsonElement>($"api/conversations/{Uri.EscapeDataString(id)}?brief=4096");
        Assert.True(detail.GetProperty("tokens").GetProperty("totalTokens").GetInt32() > 0);
        Assert.False(string.IsNullOrWhiteSpace(detail.GetProperty("brief").GetString()));
        using var missing = await http.GetAsync("api/conversations/chatgpt%3Anope");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_hostile_upload_is_reported_and_the_silo_stays_healthy()
    {
        var db = await server.CreateDatabaseAsync("silo_hostile");
        await using var silo = new SiloProcess(db);
        await silo.StartAsync();
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };

        var nested = new string('[', 10_000) + new string(']', 10_000);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(nested), "file", "../../etc/conversations.json" },
            { new ByteArrayContent(Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray()), "file", "random.json" },
        };
        using var response = await http.PostAsync("api/imports", form);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.IsSuccessStatusCode, body);
        using var report = JsonDocument.Parse(body);
        var errors = report.RootElement.GetProperty("errors");
        Assert.Equal(2, errors.GetArrayLength());
        Assert.All(errors.EnumerateArray(), e => Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("reason").GetString())));
        Assert.DoesNotContain("..", errors[0].GetProperty("file").GetString());
        using var ready = await http.GetAsync("health/ready");
        Assert.True(ready.IsSuccessStatusCode);
    }
}
