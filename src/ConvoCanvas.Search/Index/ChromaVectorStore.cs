using System.Text.Json.Nodes;
using ConvoCanvas.Search.Chroma;
using ConvoCanvas.Search.Embeddings;

namespace ConvoCanvas.Search.Index;

/// <summary>
/// The index's vectors in one ChromaDB collection, <c>convocanvas-{embedder}-{dimensions}</c>, so
/// that another embedder fills its own collection and never mixes spaces. The collection is
/// created on first use (cosine space). Connection failures become <see cref="VectorStoreUnavailableException"/>.
/// </summary>
public sealed class ChromaVectorStore(ChromaClient client, IEmbedder embedder) : IVectorStore
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Guid? _collectionId;

    public string Name => CollectionName(embedder.Id, embedder.Dimensions);

    public static string CollectionName(string embedderId, int dimensions) => $"convocanvas-{embedderId}-{dimensions}";

    public async Task UpsertAsync(IReadOnlyList<VectorRecord> records, CancellationToken cancellationToken = default)
    {
        if (records.Count == 0)
        {
            return;
        }
        var id = await CollectionAsync(cancellationToken);
        var chroma = records.Select(r => new ChromaRecord(r.Id, r.Vector, r.Document, r.Metadata.ToDictionary(m => m.Key, m => (object?)m.Value))).ToList();
        await GuardAsync(() => client.UpsertAsync(id, chroma, cancellationToken));
    }

    public async Task DeleteAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0)
        {
            return;
        }
        var id = await CollectionAsync(cancellationToken);
        await GuardAsync(() => client.DeleteAsync(id, ids, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<VectorHit>> QueryAsync(float[] vector, int limit, VectorFilter? filter, CancellationToken cancellationToken = default)
    {
        var id = await CollectionAsync(cancellationToken);
        var results = await GuardAsync(() => client.QueryAsync(id, [vector], limit, Where(filter), include: ChromaInclude.Distances, cancellationToken: cancellationToken));
        return results.Count == 0 ? [] : results[0].Select(h => new VectorHit(h.Id, 1.0 - (h.Distance ?? 1f))).ToList();
    }

    public async Task<IReadOnlyList<float[]>> GetVectorsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        var id = await CollectionAsync(cancellationToken);
        var records = await GuardAsync(() => client.GetAsync(id, ids, include: ChromaInclude.Embeddings, cancellationToken: cancellationToken));
        return records.Where(r => r.Embedding is not null).Select(r => r.Embedding!).ToList();
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        var id = await CollectionAsync(cancellationToken);
        return await GuardAsync(() => client.CountAsync(id, cancellationToken));
    }

    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await client.HeartbeatAsync(cancellationToken);
            return true;
        }
        catch (ChromaException)
        {
            return false;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public async Task<bool> DropAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _collectionId = null;
            return await GuardAsync(() => client.DeleteCollectionAsync(Name, cancellationToken));
        }
        finally
        {
            _gate.Release();
        }
    }

    private static JsonObject? Where(VectorFilter? filter)
    {
        if (filter is null || filter.IsEmpty)
        {
            return null;
        }
        var clauses = new List<JsonObject>();
        if (filter.Kind is { } kind)
        {
            clauses.Add(ChromaWhere.Eq("kind", kind));
        }
        if (filter.Sources is { Count: > 0 } sources)
        {
            clauses.Add(sources.Count == 1 ? ChromaWhere.Eq("source", sources[0]) : ChromaWhere.In("source", sources));
        }
        if (filter.Vault is { } vault)
        {
            clauses.Add(ChromaWhere.Eq("vault", vault));
        }
        if (filter.Model is { } model)
        {
            clauses.Add(ChromaWhere.Eq("model", model));
        }
        if (filter.SourceId is { } sourceId)
        {
            clauses.Add(ChromaWhere.Eq("source_id", sourceId));
        }
        if (filter.AtOrAfter is { } after)
        {
            clauses.Add(ChromaWhere.Gte("at", after));
        }
        if (filter.AtOrBefore is { } before)
        {
            clauses.Add(ChromaWhere.Lte("at", before));
        }
        return ChromaWhere.And([.. clauses]);
    }

    private async Task<Guid> CollectionAsync(CancellationToken cancellationToken)
    {
        if (_collectionId is { } known)
        {
            return known;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_collectionId is null && embedder.Dimensions == 0)
            {
                // An embedder that learns its width from its first answer (Ollama): ask once.
                await embedder.EmbedAsync(["dimensions"], cancellationToken);
            }
            _collectionId ??= (await GuardAsync(() => client.GetOrCreateCollectionAsync(
                Name, new Dictionary<string, object?> { ["hnsw:space"] = "cosine", ["embedder"] = embedder.Id }, cancellationToken))).Id;
            return _collectionId.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task GuardAsync(Func<Task> action) => await GuardAsync(async () => { await action(); return 0; });

    private async Task<T> GuardAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (ChromaUnavailableException e)
        {
            throw new VectorStoreUnavailableException(e.Message, e);
        }
        catch (ChromaNotFoundException e)
        {
            // The collection was deleted behind our back (or the server's data folder was reset): create it again next time.
            _collectionId = null;
            throw new VectorStoreUnavailableException($"ChromaDB collection {Name} is gone: {e.Message}", e);
        }
    }
}
