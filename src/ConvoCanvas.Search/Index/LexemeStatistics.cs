using System.Diagnostics;
using Npgsql;

namespace ConvoCanvas.Search.Index;

/// <summary>
/// How many chunks each full-text lexeme occurs in, read from PostgreSQL (<c>ts_stat</c>) and kept
/// in memory, refreshed in the background when older than <see cref="MaxAge"/>. The keyword search
/// uses it to leave out the terms that occur almost everywhere ("pod" in Kubernetes docs): they
/// barely change the ranking, and matching every row on them is what makes a query slow.
/// </summary>
public sealed class LexemeStatistics(NpgsqlDataSource dataSource)
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private Snapshot? _snapshot;

    public TimeSpan MaxAge { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The current figures; the first call waits for them, later calls refresh in the background.</summary>
    public async Task<Snapshot> GetAsync(CancellationToken cancellationToken = default)
    {
        if (_snapshot is { } current)
        {
            if (Stopwatch.GetElapsedTime(current.Taken) > MaxAge && _refresh.CurrentCount > 0)
            {
                _ = Task.Run(() => RefreshAsync(CancellationToken.None), CancellationToken.None);
            }
            return current;
        }
        return await RefreshAsync(cancellationToken);
    }

    private async Task<Snapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_snapshot is { } fresh && Stopwatch.GetElapsedTime(fresh.Taken) <= MaxAge)
            {
                return fresh;
            }
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            long chunks;
            await using (var total = dataSource.CreateCommand("SELECT count(*) FROM search_chunks"))
            {
                chunks = (long)(await total.ExecuteScalarAsync(cancellationToken))!;
            }
            await using (var command = dataSource.CreateCommand("SELECT word, ndoc FROM ts_stat('SELECT tsv FROM search_chunks')"))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    counts[reader.GetString(0)] = reader.GetInt32(1);
                }
            }
            _snapshot = new Snapshot(counts, chunks, Stopwatch.GetTimestamp());
            return _snapshot;
        }
        finally
        {
            _refresh.Release();
        }
    }

    public sealed record Snapshot(IReadOnlyDictionary<string, int> Chunks, long Total, long Taken)
    {
        /// <summary>
        /// The lexemes worth searching for, rarest first: at most <paramref name="most"/>, and those in
        /// more than 2% of the chunks left out unless fewer than <paramref name="keepAtLeast"/> would remain.
        /// A long question's rarest words carry its meaning; the semantic search covers the rest.
        /// </summary>
        public IReadOnlyList<string> Select(IReadOnlyList<string> lexemes, int keepAtLeast = 3, int most = 6)
        {
            var common = Math.Max(50, Total / 50);
            var ranked = lexemes.Distinct().OrderBy(l => Chunks.GetValueOrDefault(l)).ThenBy(l => l, StringComparer.Ordinal).ToList();
            var kept = ranked.Where(l => Chunks.GetValueOrDefault(l) <= common).Take(most).ToList();
            return kept.Count >= Math.Min(keepAtLeast, ranked.Count) ? kept : ranked.Take(keepAtLeast).ToList();
        }
    }
}
