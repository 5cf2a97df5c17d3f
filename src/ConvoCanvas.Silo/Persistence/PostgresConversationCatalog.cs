using ConvoCanvas.Abstractions;
using ConvoCanvas.Grains.Catalog;
using System.Text.Json;
using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;

namespace ConvoCanvas.Silo.Persistence;

/// <summary>
/// The conversation catalogue in PostgreSQL (table from migration 0010). Upserts are group-committed:
/// callers that arrive while a write is in flight are written together in one statement when it
/// ends, and each caller's task completes only once its row is committed. A bulk import thus costs
/// one round trip per group instead of one per conversation, with the same durability.
/// </summary>
public sealed class PostgresConversationCatalog : IConversationCatalog, IAsyncDisposable
{
    private const string Columns = "id, source, title, created_at, updated_at, models, message_count, off_path_count, token_count, content_hash, imported_at";
    private const int MaxGroup = 500;

    private readonly NpgsqlDataSource _dataSource;
    private readonly Channel<(ConversationSummary Summary, TaskCompletionSource Done)> _pending =
        Channel.CreateUnbounded<(ConversationSummary, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public PostgresConversationCatalog(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _writer = Task.Run(WriteGroupsAsync);
    }

    public Task UpsertAsync(ConversationSummary summary, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.Writer.TryWrite((summary, done)))
        {
            throw new ObjectDisposedException(nameof(PostgresConversationCatalog));
        }
        return done.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteGroupsAsync()
    {
        var group = new List<(ConversationSummary Summary, TaskCompletionSource Done)>();
        while (await _pending.Reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < MaxGroup && _pending.Reader.TryRead(out var item))
            {
                group.Add(item);
            }
            try
            {
                await UpsertGroupAsync(group.Select(g => g.Summary).ToList());
                group.ForEach(g => g.Done.TrySetResult());
            }
            catch (Exception ex)
            {
                group.ForEach(g => g.Done.TrySetException(ex));
            }
        }
    }

    /// <summary>One statement for the whole group; the last summary of an id wins (ON CONFLICT may touch a row once).</summary>
    private async Task UpsertGroupAsync(IReadOnlyList<ConversationSummary> group)
    {
        var rows = group.GroupBy(s => s.Id, StringComparer.Ordinal).Select(g => g.Last()).ToList();
        await using var command = _dataSource.CreateCommand($"""
            INSERT INTO conversation_catalog ({Columns})
            SELECT t.id, t.source, t.title, t.created_at, t.updated_at, ms.models, t.message_count, t.off_path_count,
                   t.token_count, t.content_hash, t.imported_at
            FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[],
                        $7::int[], $8::int[], $9::int[], $10::text[], $11::timestamptz[])
                 AS t(id, source, title, created_at, updated_at, models_json, message_count, off_path_count, token_count, content_hash, imported_at)
            CROSS JOIN LATERAL (SELECT coalesce(array_agg(m), ARRAY[]::text[]) AS models FROM json_array_elements_text(t.models_json::json) m) ms
            ON CONFLICT (id) DO UPDATE SET
                source = excluded.source, title = excluded.title, created_at = excluded.created_at,
                updated_at = excluded.updated_at, models = excluded.models, message_count = excluded.message_count,
                off_path_count = excluded.off_path_count, token_count = excluded.token_count,
                content_hash = excluded.content_hash, imported_at = excluded.imported_at
            """);
        command.Parameters.Add(new() { Value = rows.Select(r => r.Id).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Source).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Title).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.CreatedAt?.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = rows.Select(r => r.UpdatedAt?.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        // PostgreSQL has no array of arrays of varying length; each row's models travel as a JSON list.
        command.Parameters.Add(new() { Value = rows.Select(r => JsonSerializer.Serialize(r.Models)).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.MessageCount).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.OffPathMessageCount).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.TokenCount).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.ContentHash).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.ImportedAt.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer;
    }

    public async Task<ConversationPage> ListAsync(ConversationQuery query, CancellationToken cancellationToken = default)
    {
        var (where, parameters) = BuildFilter(query);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);

        await using var count = new NpgsqlCommand($"SELECT count(*) FROM conversation_catalog {where}", connection);
        count.Parameters.AddRange(parameters.Select(p => p.Clone()).ToArray());
        var total = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken));

        await using var list = new NpgsqlCommand(
            $"SELECT {Columns} FROM conversation_catalog {where} ORDER BY coalesce(updated_at, created_at) DESC NULLS LAST, id LIMIT {CatalogFilter.ClampLimit(query.Limit)} OFFSET {Math.Max(0, query.Offset)}",
            connection);
        list.Parameters.AddRange(parameters.ToArray());
        var items = new List<ConversationSummary>();
        await using var reader = await list.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new ConversationSummary
            {
                Id = reader.GetString(0),
                Source = reader.GetString(1),
                Title = reader.GetString(2),
                CreatedAt = reader.IsDBNull(3) ? null : new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero),
                UpdatedAt = reader.IsDBNull(4) ? null : new DateTimeOffset(reader.GetDateTime(4), TimeSpan.Zero),
                Models = reader.GetFieldValue<string[]>(5),
                MessageCount = reader.GetInt32(6),
                OffPathMessageCount = reader.GetInt32(7),
                TokenCount = reader.GetInt32(8),
                ContentHash = reader.GetString(9),
                ImportedAt = new DateTimeOffset(reader.GetDateTime(10), TimeSpan.Zero),
            });
        }
        return new ConversationPage(items, total);
    }

    public async Task<CatalogStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        int conversations;
        long messages, tokens;
        await using (var totals = new NpgsqlCommand("SELECT count(*), coalesce(sum(message_count), 0), coalesce(sum(token_count), 0) FROM conversation_catalog", connection))
        await using (var reader = await totals.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            conversations = (int)reader.GetInt64(0);
            messages = reader.GetInt64(1);
            tokens = reader.GetInt64(2);
        }
        var bySource = await CountAsync(connection, "SELECT source, count(*) FROM conversation_catalog GROUP BY source", cancellationToken);
        var byModel = await CountAsync(connection, "SELECT m, count(*) FROM conversation_catalog, unnest(models) AS m GROUP BY m", cancellationToken);
        return new CatalogStats(conversations, messages, tokens, bySource, byModel);
    }

    public async IAsyncEnumerable<(string Id, string ContentHash)> ListHashesAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT id, content_hash FROM conversation_catalog ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return (reader.GetString(0), reader.GetString(1));
        }
    }

    private static async Task<Dictionary<string, int>> CountAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, int>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result[reader.GetString(0)] = (int)reader.GetInt64(1);
        }
        return result;
    }

    /// <summary>The same rules as <see cref="CatalogFilter.Matches"/>, in SQL.</summary>
    private static (string Where, List<NpgsqlParameter> Parameters) BuildFilter(ConversationQuery query)
    {
        var clauses = new List<string>();
        var parameters = new List<NpgsqlParameter>();
        void Add(string clause, object value, NpgsqlDbType type)
        {
            parameters.Add(new NpgsqlParameter { ParameterName = $"p{parameters.Count}", Value = value, NpgsqlDbType = type });
            clauses.Add(clause.Replace("@", $"@p{parameters.Count - 1}", StringComparison.Ordinal));
        }
        if (query.Source is { Length: > 0 } source)
        {
            Add("lower(source) = lower(@)", source, NpgsqlDbType.Text);
        }
        if (query.Model is { Length: > 0 } model)
        {
            Add("EXISTS (SELECT 1 FROM unnest(models) m WHERE lower(m) = lower(@))", model, NpgsqlDbType.Text);
        }
        if (query.From is { } from)
        {
            Add("coalesce(updated_at, created_at) >= @", from.UtcDateTime, NpgsqlDbType.TimestampTz);
        }
        if (query.To is { } to)
        {
            Add("coalesce(updated_at, created_at) <= @", to.UtcDateTime, NpgsqlDbType.TimestampTz);
        }
        if (query.Text is { Length: > 0 } text)
        {
            Add("strpos(lower(title), lower(@)) > 0", text, NpgsqlDbType.Text);
        }
        return (clauses.Count == 0 ? "" : "WHERE " + string.Join(" AND ", clauses), parameters);
    }
}
