using System.Text;
using ConvoCanvas.Ingest.Formats;
using ConvoCanvas.Ingest.Import;
using ConvoCanvas.Ingest.Model;
using Xunit.Abstractions;

namespace ConvoCanvas.Ingest.Tests;

/// <summary>Where test inputs live: own fixtures beside the tests, third-party data in ../shared/data.</summary>
internal static class TestData
{

    /// <summary>The conversations folder of ../shared/data, or null (with the reason written out) when absent.</summary>
    public static string? Conversations(ITestOutputHelper output)
    {
        var root = ConvoCanvas.Testing.RepositoryPaths.SharedData is { } data ? Path.Combine(data, "conversations") : null;
        if (root is null || !Directory.Exists(root))
        {
            output.WriteLine($"shared/data/conversations not found above {AppContext.BaseDirectory}; nothing to check against.");
            return null;
        }
        return root;
    }

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static ExportFile InMemory(string path, byte[] bytes) => new(path, bytes.Length, () => new MemoryStream(bytes, writable: false));

    public static ExportFile InMemory(string path, string json) => InMemory(path, Encoding.UTF8.GetBytes(json));

    public static List<ImportItem> ReadBytes(string path, byte[] bytes, ImportOptions? options = null) =>
        new ExportReader(ExportReader.DefaultFormats, options).Read([InMemory(path, bytes)]).ToList();

    public static List<ImportItem> ReadJson(string path, string json, ImportOptions? options = null) =>
        ReadBytes(path, Encoding.UTF8.GetBytes(json), options);

    public static List<Conversation> Conversations(this IEnumerable<ImportItem> items) =>
        items.Where(i => i.Conversation is not null).Select(i => i.Conversation!).ToList();

    public static List<ImportError> Errors(this IEnumerable<ImportItem> items) =>
        items.Where(i => i.Error is not null).Select(i => i.Error!).ToList();

    public static Conversation Single(string fixture, string? id = null)
    {
        var items = new ExportReader().Read([Fixture(fixture)]).ToList();
        var conversations = items.Conversations();
        if (id is not null)
        {
            return conversations.Single(c => c.ExternalId == id);
        }
        Assert.Empty(items.Errors());
        return Assert.Single(conversations);
    }

    public static Message Msg(this Conversation conversation, string id) => conversation.Messages.Single(m => m.Id == id);
}
