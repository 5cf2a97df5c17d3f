using ConvoCanvas.Abstractions;
using ConvoCanvas.Abstractions.Client;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ImportJobGrainTests(ClusterFixture fixture)
{
    private static ImportSource SourceOf(IEnumerable<ImportItem> items) =>
        new("test export", items, () => 100, () => 100, () => 0);

    [Fact]
    public async Task Import_counts_new_then_reimport_counts_unchanged()
    {
        var prefix = Guid.NewGuid().ToString("N");
        var items = Enumerable.Range(0, 150).Select(i => ImportItem.Of(Conversations.Linear($"{prefix}-{i}"))).ToList();
        var runner = new ImportRunner(fixture.Client) { MaxBatchCount = 40 };

        var first = await runner.RunAsync(SourceOf(items));
        var second = await runner.RunAsync(SourceOf(items));

        Assert.Equal((150, 0, 0, 0), (first.New, first.Updated, first.Unchanged, first.Failed));
        Assert.Equal(600, first.Messages);
        Assert.Equal(ImportStatus.Completed, first.Status);
        Assert.Equal((0, 0, 150, 0), (second.New, second.Updated, second.Unchanged, second.Failed));
    }

    [Fact]
    public async Task Parse_errors_are_kept_with_file_and_item_and_the_rest_imports()
    {
        var prefix = Guid.NewGuid().ToString("N");
        var items = new[]
        {
            ImportItem.Of(Conversations.Linear($"{prefix}-a")),
            ImportItem.Failed("conversations.json", "conversation 2 ('Broken')", "mapping is missing"),
            ImportItem.Of(Conversations.Linear($"{prefix}-b")),
        };

        var summary = await new ImportRunner(fixture.Client).RunAsync(SourceOf(items));

        Assert.Equal(2, summary.New);
        Assert.Equal(1, summary.Failed);
        var error = Assert.Single(summary.Errors);
        Assert.Equal(("conversations.json", "conversation 2 ('Broken')"), (error.File, error.Item));
    }

    [Fact]
    public async Task Progress_is_reported_per_batch_and_the_job_can_be_read_back()
    {
        var prefix = Guid.NewGuid().ToString("N");
        var items = Enumerable.Range(0, 10).Select(i => ImportItem.Of(Conversations.Linear($"{prefix}-{i}"))).ToList();
        var reports = new List<ImportSummary>();
        var progress = new SynchronousProgress<ImportSummary>(reports.Add);

        var summary = await new ImportRunner(fixture.Client) { MaxBatchCount = 3 }.RunAsync(SourceOf(items), progress);

        Assert.True(reports.Count >= 4, $"expected a report per batch, got {reports.Count}");
        Assert.Equal(10, reports[^1].New);
        var readBack = await fixture.Client.GetGrain<IImportJobGrain>(summary.JobId).GetAsync();
        Assert.Equal((summary.JobId, summary.New, summary.Status), (readBack.JobId, readBack.New, readBack.Status));
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

[Collection(ClusterCollection.Name)]
public sealed class DuplicateImportTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_conversation_twice_in_one_export_keeps_the_first_copy_and_reimport_changes_nothing()
    {
        var id = Guid.NewGuid().ToString("N");
        ImportItem[] items = [ImportItem.Of(Conversations.Linear(id, turns: 2)), ImportItem.Of(Conversations.Linear(id, turns: 3))];
        ImportSource Source() => new("dupes.json", items, () => 1, () => 1, () => 0);

        var first = await new ImportRunner(fixture.Client).RunAsync(Source());
        var second = await new ImportRunner(fixture.Client).RunAsync(Source());

        Assert.Equal((1, 0, 1), (first.New, first.Updated, first.Failed));
        Assert.Contains("more than once", Assert.Single(first.Errors).Reason);
        Assert.Equal((0, 0, 1), (second.New, second.Updated, second.Unchanged));
        var stored = await fixture.Client.GetGrain<IConversationGrain>($"chatgpt:{id}").GetAsync();
        Assert.Equal(4, stored!.Messages.Count);
    }
}
