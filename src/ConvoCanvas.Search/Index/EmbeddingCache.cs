using System.Runtime.InteropServices;
using Npgsql;
using NpgsqlTypes;

namespace ConvoCanvas.Search.Index;

/// <summary>
/// Vectors by chunk content hash and embedder, in PostgreSQL (<c>embedding_cache</c>): an
/// unchanged chunk is never embedded twice, and identical chunks in different sources once.
/// </summary>
public sealed class EmbeddingCache(NpgsqlDataSource dataSource)
{
    public async Task<Dictionary<string, float[]>> GetAsync(string embedder, IReadOnlyCollection<string> contentHashes, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (contentHashes.Count == 0)
        {
            return found;
        }
        await using var command = dataSource.CreateCommand(
            "SELECT content_hash, vector FROM embedding_cache WHERE embedder = $1 AND content_hash = ANY($2)");
        command.Parameters.AddWithValue(embedder);
        command.Parameters.AddWithValue(contentHashes.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found[reader.GetString(0)] = FromBytes((byte[])reader[1]);
        }
        return found;
    }

    public async Task PutAsync(string embedder, IReadOnlyList<(string ContentHash, float[] Vector)> entries, CancellationToken cancellationToken = default)
    {
        if (entries.Count == 0)
        {
            return;
        }
        // Always in hash order: two indexers writing overlapping chunks (the same text in two
        // files) then take row locks in the same order and cannot deadlock.
        entries = entries.DistinctBy(e => e.ContentHash).OrderBy(e => e.ContentHash, StringComparer.Ordinal).ToList();
        await using var command = dataSource.CreateCommand("""
            INSERT INTO embedding_cache (embedder, content_hash, vector)
            SELECT $1, h, v FROM unnest($2::text[], $3::bytea[]) AS t(h, v)
            ON CONFLICT (embedder, content_hash) DO NOTHING
            """);
        command.Parameters.AddWithValue(embedder);
        command.Parameters.AddWithValue(entries.Select(e => e.ContentHash).ToArray());
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => ToBytes(e.Vector)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> CountAsync(string embedder, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM embedding_cache WHERE embedder = $1");
        command.Parameters.AddWithValue(embedder);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    internal static byte[] ToBytes(float[] vector) => MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();

    internal static float[] FromBytes(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();
}
