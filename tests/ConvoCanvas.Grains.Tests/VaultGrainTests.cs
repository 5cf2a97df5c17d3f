using System.Collections.Concurrent;
using ConvoCanvas.Abstractions;
using Orleans.Streams;

namespace ConvoCanvas.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class VaultGrainTests(ClusterFixture fixture) : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("convocanvas-vault-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_root.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static string NewName() => "v" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Adding_a_vault_stores_notes_and_reports_skipped_and_failed_files_with_reasons()
    {
        Write("Notes/DNS.md", "---\ntags: [k3s, dns]\n---\n# DNS outage\nThe node IP changed. See [[Cluster#Nodes|the cluster]].\n");
        Write("Daily/2025-03-01.md", "Fixed #k3s/coredns today.\n");
        Write(".obsidian/app.json", "{}");
        Write("Attachments/diagram.png", "not really a png");
        File.WriteAllBytes(Path.Combine(_root.FullName, "Notes", "Broken.md"), [0x23, 0x20, 0xC3, 0x28, 0x00, 0xFF]);
        var name = NewName();
        var vault = fixture.Client.GetGrain<IVaultGrain>(name);

        var result = await vault.AddAsync(_root.FullName);

        Assert.Equal(2, result.Created);
        var status = await vault.GetStatusAsync();
        Assert.Equal((2, 1), (status.Documents, status.Failed));
        Assert.True(status.Skipped >= 2, $"expected .obsidian and the png skipped, got {status.Skipped}");
        Assert.Contains(status.Files, f => f.Path == "Notes/Broken.md" && f.Status == DocumentStatus.Failed && !string.IsNullOrEmpty(f.Reason));
        Assert.Contains(name, await fixture.Client.GetGrain<IVaultRegistryGrain>(0).ListAsync());

        var note = await fixture.Client.GetGrain<IVaultDocumentGrain>(VaultKeys.Document(name, "Notes/DNS.md")).GetAsync();
        Assert.NotNull(note);
        Assert.Equal("DNS outage", note.Title);
        Assert.Contains("dns", note.Tags);
        Assert.Contains(note.Links, l => l.Target == "Cluster" && l.Heading == "Nodes" && l.Alias == "the cluster");
    }

    [Fact]
    public async Task Rescan_finds_edits_renames_and_deletes_and_an_unchanged_vault_changes_nothing()
    {
        Write("a.md", "# A\nfirst");
        Write("b.md", "# B\nsecond");
        Write("c.md", "# C\nthird");
        var name = NewName();
        var vault = fixture.Client.GetGrain<IVaultGrain>(name);
        await vault.AddAsync(_root.FullName);

        var again = await vault.ScanAsync();
        Assert.Equal((0, 0, 3, 0), (again.Created, again.Updated, again.Unchanged, again.Deleted));

        Write("a.md", "# A\nfirst, edited");
        File.Move(Path.Combine(_root.FullName, "b.md"), Path.Combine(_root.FullName, "moved-b.md"));
        File.Delete(Path.Combine(_root.FullName, "c.md"));
        var changed = await vault.ScanAsync();

        Assert.Equal((0, 1, 1), (changed.Created, changed.Updated, changed.Deleted));
        Assert.Null(await fixture.Client.GetGrain<IVaultDocumentGrain>(VaultKeys.Document(name, "b.md")).GetAsync());
        Assert.Null(await fixture.Client.GetGrain<IVaultDocumentGrain>(VaultKeys.Document(name, "c.md")).GetAsync());
        Assert.Equal("B", (await fixture.Client.GetGrain<IVaultDocumentGrain>(VaultKeys.Document(name, "moved-b.md")).GetAsync())?.Title);
        var status = await vault.GetStatusAsync();
        Assert.Equal(["a.md", "moved-b.md"], status.Files.Select(f => f.Path));
    }

    [Fact]
    public async Task A_file_written_into_a_watched_vault_is_picked_up_without_a_rescan_call()
    {
        Write("start.md", "# Start");
        var name = NewName();
        var created = new TaskCompletionSource<DocumentChanged>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = fixture.Client.GetStreamProvider(ProviderNames.Streams)
            .GetStream<DocumentChanged>(StreamId.Create(StreamNamespaces.Documents, StreamNamespaces.PartitionOf($"{name}/later.md")));
        var handle = await stream.SubscribeAsync((change, _) =>
        {
            if (change.Vault == name && change.Path == "later.md")
            {
                created.TrySetResult(change);
            }
            return Task.CompletedTask;
        });
        var vault = fixture.Client.GetGrain<IVaultGrain>(name);
        await vault.AddAsync(_root.FullName);

        Write("later.md", "# Later\nwritten after the vault was added");

        var change = await created.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await handle.UnsubscribeAsync();
        Assert.Equal(ChangeKind.Created, change.Kind);
        Assert.True((await vault.GetStatusAsync()).Watching);
    }

    [Fact]
    public async Task A_vault_name_that_cannot_be_a_key_is_refused()
    {
        var vault = fixture.Client.GetGrain<IVaultGrain>("../etc");
        await Assert.ThrowsAsync<ArgumentException>(() => vault.AddAsync(_root.FullName));
    }
}
