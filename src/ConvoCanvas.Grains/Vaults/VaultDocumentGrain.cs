using ConvoCanvas.Abstractions;
using ConvoCanvas.Ingest.Vault;
using Orleans.Streams;

namespace ConvoCanvas.Grains.Vaults;

[GenerateSerializer, Alias("convocanvas.VaultDocumentState")]
public sealed class VaultDocumentState
{
    [Id(0)] public VaultNote? Note { get; set; }
    [Id(1)] public DateTimeOffset? UpdatedAt { get; set; }
    /// <summary>What the search index last said about this note's content.</summary>
    [Id(2)] public IndexAck? Index { get; set; }
}

public sealed class VaultDocumentGrain(
    [PersistentState("vault-document", ProviderNames.Storage)] IPersistentState<VaultDocumentState> state,
    TimeProvider time) : Grain, IVaultDocumentGrain
{
    public async Task<UpsertOutcome> UpsertAsync(VaultNote note, string? renamedFrom = null)
    {
        if (state.State.Note?.ContentHash == note.ContentHash)
        {
            return UpsertOutcome.Unchanged;
        }
        var outcome = state.State.Note is null ? UpsertOutcome.Created : UpsertOutcome.Updated;
        state.State.Note = note;
        state.State.UpdatedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        await PublishAsync(note.Path, note.ContentHash, outcome == UpsertOutcome.Created ? ChangeKind.Created : ChangeKind.Updated, renamedFrom);
        return outcome;
    }

    public async Task<bool> DeleteAsync()
    {
        if (state.State.Note is not { } note)
        {
            return false;
        }
        await state.ClearStateAsync();
        await PublishAsync(note.Path, note.ContentHash, ChangeKind.Deleted, oldPath: null);
        return true;
    }

    public Task<VaultNote?> GetAsync() => Task.FromResult(state.State.Note);

    public async Task AcknowledgeIndexAsync(IndexAck ack)
    {
        if (ack.ContentHash != state.State.Note?.ContentHash || (state.State.Index is { } old && old with { At = ack.At } == ack))
        {
            return;
        }
        state.State.Index = ack;
        await state.WriteStateAsync();
    }

    public Task<IndexAck?> GetIndexAsync() => Task.FromResult(state.State.Index);

    private Task PublishAsync(string path, string hash, ChangeKind kind, string? oldPath)
    {
        var vault = this.GetPrimaryKeyString().Split('/', 2)[0];
        var stream = this.GetStreamProvider(ProviderNames.Streams)
            .GetStream<DocumentChanged>(StreamId.Create(StreamNamespaces.Documents, StreamNamespaces.PartitionOf($"{vault}/{path}")));
        return stream.OnNextAsync(new DocumentChanged(vault, path, hash, kind, time.GetUtcNow(), oldPath));
    }
}
