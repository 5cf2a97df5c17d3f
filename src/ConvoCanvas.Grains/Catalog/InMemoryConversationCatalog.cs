using System.Collections.Concurrent;
using ConvoCanvas.Abstractions;

namespace ConvoCanvas.Grains.Catalog;

/// <summary>The catalogue for in-memory clusters (tests, the Test environment): same semantics as the PostgreSQL one.</summary>
public sealed class InMemoryConversationCatalog : IConversationCatalog
{
    private readonly ConcurrentDictionary<string, ConversationSummary> _rows = new(StringComparer.Ordinal);

    public Task UpsertAsync(ConversationSummary summary, CancellationToken cancellationToken = default)
    {
        _rows[summary.Id] = summary;
        return Task.CompletedTask;
    }

    public Task<ConversationPage> ListAsync(ConversationQuery query, CancellationToken cancellationToken = default)
    {
        var matches = _rows.Values.Where(row => CatalogFilter.Matches(row, query))
            .OrderByDescending(row => row.UpdatedAt ?? row.CreatedAt ?? DateTimeOffset.MinValue)
            .ThenBy(row => row.Id, StringComparer.Ordinal)
            .ToList();
        var page = matches.Skip(Math.Max(0, query.Offset)).Take(CatalogFilter.ClampLimit(query.Limit)).ToList();
        return Task.FromResult(new ConversationPage(page, matches.Count));
    }

    public Task<CatalogStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        var rows = _rows.Values.ToList();
        var bySource = rows.GroupBy(r => r.Source).ToDictionary(g => g.Key, g => g.Count());
        var byModel = rows.SelectMany(r => r.Models).GroupBy(m => m).ToDictionary(g => g.Key, g => g.Count());
        return Task.FromResult(new CatalogStats(rows.Count, rows.Sum(r => (long)r.MessageCount), rows.Sum(r => (long)r.TokenCount), bySource, byModel));
    }

    public async IAsyncEnumerable<(string Id, string ContentHash)> ListHashesAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var row in _rows.Values.OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return (row.Id, row.ContentHash);
        }
        await Task.CompletedTask;
    }
}

/// <summary>The filter rules both catalogues follow.</summary>
public static class CatalogFilter
{
    public const int MaxLimit = 1000;

    public static int ClampLimit(int limit) => Math.Clamp(limit <= 0 ? 50 : limit, 1, MaxLimit);

    public static bool Matches(ConversationSummary row, ConversationQuery query)
    {
        if (query.Source is { Length: > 0 } source && !string.Equals(row.Source, source, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (query.Model is { Length: > 0 } model && !row.Models.Any(m => string.Equals(m, model, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }
        var when = row.UpdatedAt ?? row.CreatedAt;
        if (query.From is { } from && (when is null || when < from))
        {
            return false;
        }
        if (query.To is { } to && (when is null || when > to))
        {
            return false;
        }
        return query.Text is not { Length: > 0 } text || row.Title.Contains(text, StringComparison.OrdinalIgnoreCase);
    }
}
