using System.Text;
using ConvoCanvas.Search.Chunking;
using ConvoCanvas.Search.Query;
using Npgsql;
using NpgsqlTypes;

namespace ConvoCanvas.Search.Index;

/// <summary>A chunk as the keyword index stores it (a row of <c>search_chunks</c>).</summary>
public sealed record ChunkRow
{
    public required string ChunkId { get; init; }
    public required string SourceId { get; init; }
    public int Ordinal { get; init; }
    public required string Kind { get; init; }
    public required string Source { get; init; }
    public string? Vault { get; init; }
    public string? Path { get; init; }
    public string Title { get; init; } = "";
    public string? Heading { get; init; }
    public string? Anchor { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? Model { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
    public required string ContentHash { get; init; }
    public required string Body { get; init; }
}

/// <summary>A full-text match: the chunk and PostgreSQL's cover-density rank.</summary>
public sealed record KeywordHit(string ChunkId, double Rank);

/// <summary>One source to commit: its chunks and the source grain's content hash they reflect.</summary>
public sealed record IndexItem(ChunkedSource Chunked, string ContentHash)
{
    public string SourceId => Chunked.Source.SourceId;
}

/// <summary>
/// The PostgreSQL side of the index: what is indexed per source (<c>search_sources</c>) and
/// the chunks with their full-text vectors (<c>search_chunks</c>, tsvector + GIN).
/// </summary>
public sealed class KeywordIndex(NpgsqlDataSource dataSource)
{
    private readonly LexemeStatistics _statistics = new(dataSource);

    private const string SourceColumns =
        "source_id, kind, source, vault, path, title, content_hash, chunk_count, pending_chunks, embedder, status, reason, indexed_at";

    private const string ChunkColumns =
        "chunk_id, source_id, ordinal, kind, source, vault, path, title, heading, anchor, tags, model, created_at, updated_at, content_hash, body";

    public static string KindName(SourceKind kind) => kind == SourceKind.Note ? "note" : "conversation";

    public async Task<Dictionary<string, IndexedSourceState>> GetStatesAsync(IReadOnlyCollection<string> sourceIds, CancellationToken cancellationToken = default)
    {
        var states = new Dictionary<string, IndexedSourceState>(StringComparer.Ordinal);
        if (sourceIds.Count == 0)
        {
            return states;
        }
        await using var command = dataSource.CreateCommand($"SELECT {SourceColumns} FROM search_sources WHERE source_id = ANY($1)");
        command.Parameters.AddWithValue(sourceIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var state = ReadState(reader);
            states[state.SourceId] = state;
        }
        return states;
    }

    /// <summary>Every source's state, optionally of one kind or one vault, ordered by source id.</summary>
    public async IAsyncEnumerable<IndexedSourceState> ListStatesAsync(
        string? kind = null, string? vault = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {SourceColumns} FROM search_sources WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR vault = $2) ORDER BY source_id");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)kind ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)vault ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return ReadState(reader);
        }
    }

    /// <summary>
    /// Before vectors are written: each source is marked pending, and its row remembers how many
    /// chunk ids the vector store may hold for it, so an interrupted write can be cleaned up.
    /// </summary>
    public async Task MarkPendingAsync(IReadOnlyList<IndexItem> items, string embedder, CancellationToken cancellationToken = default)
    {
        if (items.Count == 0)
        {
            return;
        }
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO search_sources (source_id, kind, source, vault, path, title, content_hash, chunk_count, pending_chunks, embedder, status, indexed_at)
            SELECT id, kind, source, vault, path, title, NULL, 0, pending, $8, '{IndexStatuses.Pending}', now()
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[]) AS t(id, kind, source, vault, path, title, pending)
            ON CONFLICT (source_id) DO UPDATE SET
                pending_chunks = greatest(coalesce(search_sources.pending_chunks, 0), search_sources.chunk_count, excluded.pending_chunks),
                status = '{IndexStatuses.Pending}', reason = NULL
            """);
        AddSourceArrays(command, items.Select(i => i.Chunked.Source).ToList());
        command.Parameters.AddWithValue(items.Select(i => i.Chunked.Chunks.Count).ToArray());
        command.Parameters.AddWithValue(embedder);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// After the vectors are in: replaces each source's chunks and records the content hash they
    /// reflect, in one transaction. A source with no chunks is recorded as skipped.
    /// </summary>
    public async Task CommitAsync(IReadOnlyList<IndexItem> items, string embedder, CancellationToken cancellationToken = default)
    {
        if (items.Count == 0)
        {
            return;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ids = items.Select(i => i.SourceId).ToArray();
        await using (var delete = new NpgsqlCommand("DELETE FROM search_chunks WHERE source_id = ANY($1)", connection, transaction))
        {
            delete.Parameters.AddWithValue(ids);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var writer = await connection.BeginBinaryImportAsync($"COPY search_chunks ({ChunkColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var item in items)
            {
                var source = item.Chunked.Source;
                foreach (var chunk in item.Chunked.Chunks)
                {
                    await writer.StartRowAsync(cancellationToken);
                    await writer.WriteAsync(SourceIds.Chunk(source.SourceId, chunk.Ordinal), NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(source.SourceId, NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(chunk.Ordinal, NpgsqlDbType.Integer, cancellationToken);
                    await writer.WriteAsync(KindName(source.Kind), NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(source.Source, NpgsqlDbType.Text, cancellationToken);
                    await WriteNullableAsync(writer, source.Vault, cancellationToken);
                    await WriteNullableAsync(writer, source.Path, cancellationToken);
                    await writer.WriteAsync(source.Title, NpgsqlDbType.Text, cancellationToken);
                    await WriteNullableAsync(writer, chunk.Heading, cancellationToken);
                    await WriteNullableAsync(writer, chunk.Anchor, cancellationToken);
                    await writer.WriteAsync(source.Tags.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
                    await WriteNullableAsync(writer, source.Model, cancellationToken);
                    await WriteTimeAsync(writer, source.CreatedAt, cancellationToken);
                    await WriteTimeAsync(writer, source.UpdatedAt, cancellationToken);
                    await writer.WriteAsync(chunk.ContentHash, NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(Clean(chunk.Text), NpgsqlDbType.Text, cancellationToken);
                }
            }
            await writer.CompleteAsync(cancellationToken);
        }

        await using (var upsert = new NpgsqlCommand($"""
            INSERT INTO search_sources (source_id, kind, source, vault, path, title, content_hash, chunk_count, pending_chunks, embedder, status, reason, indexed_at)
            SELECT id, kind, source, vault, path, title, hash, chunks, NULL, $9,
                   CASE WHEN chunks = 0 THEN '{IndexStatuses.Skipped}' ELSE '{IndexStatuses.Indexed}' END,
                   CASE WHEN chunks = 0 THEN 'no text to index' END, now()
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[]) AS t(id, kind, source, vault, path, title, hash, chunks)
            ON CONFLICT (source_id) DO UPDATE SET
                kind = excluded.kind, source = excluded.source, vault = excluded.vault, path = excluded.path, title = excluded.title,
                content_hash = excluded.content_hash, chunk_count = excluded.chunk_count, pending_chunks = NULL,
                embedder = excluded.embedder, status = excluded.status, reason = excluded.reason, indexed_at = excluded.indexed_at
            """, connection, transaction))
        {
            AddSourceArrays(upsert, items.Select(i => i.Chunked.Source).ToList());
            upsert.Parameters.AddWithValue(items.Select(i => i.ContentHash).ToArray());
            upsert.Parameters.AddWithValue(items.Select(i => i.Chunked.Chunks.Count).ToArray());
            upsert.Parameters.AddWithValue(embedder);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The attempt failed; the old chunks (if any) stay searchable and the hash stays old, so it is retried.</summary>
    public async Task MarkFailedAsync(IReadOnlyList<(SearchSource Source, string Reason)> failures, string embedder, CancellationToken cancellationToken = default)
    {
        if (failures.Count == 0)
        {
            return;
        }
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO search_sources (source_id, kind, source, vault, path, title, content_hash, chunk_count, embedder, status, reason, indexed_at)
            SELECT id, kind, source, vault, path, title, NULL, 0, $8, '{IndexStatuses.Failed}', reason, now()
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS t(id, kind, source, vault, path, title, reason)
            ON CONFLICT (source_id) DO UPDATE SET status = '{IndexStatuses.Failed}', reason = excluded.reason, indexed_at = excluded.indexed_at
            """);
        AddSourceArrays(command, failures.Select(f => f.Source).ToList());
        command.Parameters.AddWithValue(failures.Select(f => f.Reason).ToArray());
        command.Parameters.AddWithValue(embedder);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RemoveAsync(IReadOnlyCollection<string> sourceIds, CancellationToken cancellationToken = default)
    {
        if (sourceIds.Count == 0)
        {
            return;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var table in new[] { "search_chunks", "search_sources" })
        {
            await using var command = new NpgsqlCommand($"DELETE FROM {table} WHERE source_id = ANY($1)", connection, transaction);
            command.Parameters.AddWithValue(sourceIds.ToArray());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Full-text search: any of the terms (stemmed the way the index is), best cover-density rank
    /// first, filtered. Terms found in nearly every chunk are left out (see <see cref="LexemeStatistics"/>).
    /// </summary>
    public async Task<IReadOnlyList<KeywordHit>> SearchAsync(IReadOnlyList<string> terms, SearchFilter filter, int limit, CancellationToken cancellationToken = default)
    {
        if (terms.Count == 0)
        {
            return [];
        }
        var lexemes = new List<string>();
        await using (var stem = dataSource.CreateCommand("SELECT unnest(tsvector_to_array(to_tsvector('english', $1)))"))
        {
            stem.Parameters.AddWithValue(string.Join(' ', terms));
            await using var reader = await stem.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                lexemes.Add(reader.GetString(0));
            }
        }
        var statistics = await _statistics.GetAsync(cancellationToken);
        var chosen = statistics.Select(lexemes);
        if (chosen.Count == 0)
        {
            return [];
        }
        var sql = new StringBuilder("""
            SELECT c.chunk_id, ts_rank_cd(c.tsv, q, 32) AS rank
            FROM search_chunks c, CAST($1 AS tsquery) q
            WHERE c.tsv @@ q
            """);
        // Lexemes are already normalised: the cast takes them as they are, quoted.
        var parameters = new List<NpgsqlParameter> { new() { Value = string.Join(" | ", chosen.Select(l => "'" + l.Replace("\\", "\\\\").Replace("'", "''") + "'")) } };
        AppendFilter(sql, parameters, filter, "c");
        sql.Append($" ORDER BY rank DESC, c.chunk_id LIMIT {limit}");
        await using var command = dataSource.CreateCommand(sql.ToString());
        command.Parameters.AddRange(parameters.ToArray());
        var hits = new List<KeywordHit>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                hits.Add(new KeywordHit(reader.GetString(0), reader.GetFloat(1)));
            }
        }
        return hits;
    }

    /// <summary>The chunks with these ids that pass the filter (those that do not, or no longer exist, are absent).</summary>
    public async Task<Dictionary<string, ChunkRow>> GetChunksAsync(IReadOnlyCollection<string> chunkIds, SearchFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var rows = new Dictionary<string, ChunkRow>(StringComparer.Ordinal);
        if (chunkIds.Count == 0)
        {
            return rows;
        }
        var sql = new StringBuilder($"SELECT {ChunkColumns} FROM search_chunks c WHERE c.chunk_id = ANY($1)");
        var parameters = new List<NpgsqlParameter> { new() { Value = chunkIds.ToArray() } };
        if (filter is not null)
        {
            AppendFilter(sql, parameters, filter, "c");
        }
        await using var command = dataSource.CreateCommand(sql.ToString());
        command.Parameters.AddRange(parameters.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = ReadChunk(reader);
            rows[row.ChunkId] = row;
        }
        return rows;
    }

    /// <summary>A source's chunks in order.</summary>
    public async Task<IReadOnlyList<ChunkRow>> GetSourceChunksAsync(string sourceId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {ChunkColumns} FROM search_chunks c WHERE c.source_id = $1 ORDER BY ordinal");
        command.Parameters.AddWithValue(sourceId);
        var rows = new List<ChunkRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadChunk(reader));
        }
        return rows;
    }

    public async Task<(long Sources, long Chunks)> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT (SELECT count(*) FROM search_sources), (SELECT count(*) FROM search_chunks)");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static void AppendFilter(StringBuilder sql, List<NpgsqlParameter> parameters, SearchFilter filter, string alias)
    {
        string Next(object value, NpgsqlDbType? type = null)
        {
            var parameter = new NpgsqlParameter { Value = value };
            if (type is { } t)
            {
                parameter.NpgsqlDbType = t;
            }
            parameters.Add(parameter);
            return "$" + parameters.Count;
        }

        if (filter.Kind is { } kind)
        {
            sql.Append($" AND {alias}.kind = {Next(kind)}");
        }
        if (filter.Sources.Count > 0)
        {
            sql.Append($" AND {alias}.source = ANY({Next(filter.Sources.ToArray())})");
        }
        if (filter.Vault is { } vault)
        {
            sql.Append($" AND {alias}.vault = {Next(vault)}");
        }
        if (filter.PathPrefix is { Length: > 0 } prefix)
        {
            sql.Append($" AND starts_with({alias}.path, {Next(prefix)})");
        }
        foreach (var tag in filter.Tags)
        {
            var p = Next(tag.TrimStart('#').ToLowerInvariant());
            sql.Append($" AND EXISTS (SELECT 1 FROM unnest({alias}.tags) AS tag WHERE tag = {p} OR starts_with(tag, {p} || '/'))");
        }
        if (filter.Since is { } since)
        {
            sql.Append($" AND coalesce({alias}.updated_at, {alias}.created_at) >= {Next(since.UtcDateTime, NpgsqlDbType.TimestampTz)}");
        }
        if (filter.Until is { } until)
        {
            sql.Append($" AND coalesce({alias}.created_at, {alias}.updated_at) <= {Next(until.UtcDateTime, NpgsqlDbType.TimestampTz)}");
        }
        if (filter.Model is { } model)
        {
            sql.Append($" AND {alias}.model = {Next(model)}");
        }
    }

    private static void AddSourceArrays(NpgsqlCommand command, IReadOnlyList<SearchSource> sources)
    {
        command.Parameters.AddWithValue(sources.Select(s => s.SourceId).ToArray());
        command.Parameters.AddWithValue(sources.Select(s => KindName(s.Kind)).ToArray());
        command.Parameters.AddWithValue(sources.Select(s => s.Source).ToArray());
        command.Parameters.Add(new NpgsqlParameter { Value = sources.Select(s => s.Vault).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = sources.Select(s => s.Path).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.AddWithValue(sources.Select(s => Clean(s.Title)).ToArray());
    }

    /// <summary>PostgreSQL text cannot hold NUL characters.</summary>
    private static string Clean(string text) => text.Contains('\0') ? text.Replace("\0", "") : text;

    private static Task WriteNullableAsync(NpgsqlBinaryImporter writer, string? value, CancellationToken cancellationToken) =>
        value is null ? writer.WriteNullAsync(cancellationToken) : writer.WriteAsync(Clean(value), NpgsqlDbType.Text, cancellationToken);

    private static Task WriteTimeAsync(NpgsqlBinaryImporter writer, DateTimeOffset? value, CancellationToken cancellationToken) =>
        value is { } v ? writer.WriteAsync(v.UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken) : writer.WriteNullAsync(cancellationToken);

    private static IndexedSourceState ReadState(NpgsqlDataReader reader) => new()
    {
        SourceId = reader.GetString(0),
        Kind = reader.GetString(1),
        Source = reader.GetString(2),
        Vault = reader.IsDBNull(3) ? null : reader.GetString(3),
        Path = reader.IsDBNull(4) ? null : reader.GetString(4),
        Title = reader.GetString(5),
        ContentHash = reader.IsDBNull(6) ? null : reader.GetString(6),
        ChunkCount = reader.GetInt32(7),
        PendingChunks = reader.IsDBNull(8) ? null : reader.GetInt32(8),
        Embedder = reader.GetString(9),
        Status = reader.GetString(10),
        Reason = reader.IsDBNull(11) ? null : reader.GetString(11),
        IndexedAt = reader.GetFieldValue<DateTimeOffset>(12),
    };

    private static ChunkRow ReadChunk(NpgsqlDataReader reader) => new()
    {
        ChunkId = reader.GetString(0),
        SourceId = reader.GetString(1),
        Ordinal = reader.GetInt32(2),
        Kind = reader.GetString(3),
        Source = reader.GetString(4),
        Vault = reader.IsDBNull(5) ? null : reader.GetString(5),
        Path = reader.IsDBNull(6) ? null : reader.GetString(6),
        Title = reader.GetString(7),
        Heading = reader.IsDBNull(8) ? null : reader.GetString(8),
        Anchor = reader.IsDBNull(9) ? null : reader.GetString(9),
        Tags = reader.GetFieldValue<string[]>(10),
        Model = reader.IsDBNull(11) ? null : reader.GetString(11),
        CreatedAt = reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12),
        UpdatedAt = reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13),
        ContentHash = reader.GetString(14),
        Body = reader.GetString(15),
    };
}
