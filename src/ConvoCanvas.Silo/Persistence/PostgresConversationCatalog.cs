using ConvoCanvas.Abstractions;
using ConvoCanvas.Grains.Catalog;
using Npgsql;
using NpgsqlTypes;

namespace ConvoCanvas.Silo.Persistence;

/// <summary>The conversation catalogue in PostgreSQL (table from migration 0010).</summary>
public sealed class PostgresConversationCatalog(NpgsqlDataSource dataSource) : IConversationCatalog
{
    private const string Columns = "id, source, title, created_at, updated_at, models, message_count, off_path_count, token_count, content_hash, imported_at";

    public async Task UpsertAsync(ConversationSummary summary, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO conversation_catalog ({Columns})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            ON CONFLICT (id) DO UPDATE SET
                source = excluded.source, title = excluded.title, created_at = excluded.created_at,
                updated_at = excluded.updated_at, models = excluded.models, message_count = excluded.message_count,
                off_path_count = excluded.off_path_count, token_count = excluded.token_count,
                content_hash = excluded.content_hash, imported_at = excluded.imported_at
            """);
        command.Parameters.Add(new() { Value = summary.Id });
        command.Parameters.Add(new() { Value = summary.Source });
        command.Parameters.Add(new() { Value = summary.Title });
        command.Parameters.Add(new() { Value = (object?)summary.CreatedAt?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)summary.UpdatedAt?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = summary.Models.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = summary.MessageCount });
        command.Parameters.Add(new() { Value = summary.OffPathMessageCount });
        command.Parameters.Add(new() { Value = summary.TokenCount });
        command.Parameters.Add(new() { Value = summary.ContentHash });
        command.Parameters.Add(new() { Value = summary.ImportedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<ConversationPage> ListAsync(ConversationQuery query, CancellationToken cancellationToken = default)
    {
        var (where, parameters) = BuildFilter(query);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
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
