namespace ConvoCanvas.Search.Query;

/// <summary>
/// Reciprocal rank fusion: each list contributes weight / (k + rank) for every id it ranks (rank 1
/// first). It needs no calibration between a cosine similarity and a full-text rank, and an id
/// that both lists rank well beats one that only one list ranks first.
/// </summary>
public static class ReciprocalRankFusion
{
    /// <summary>The usual constant; larger flattens the difference between top ranks.</summary>
    public const int DefaultK = 60;

    public static IReadOnlyList<(string Id, double Score)> Fuse(IReadOnlyList<IReadOnlyList<string>> rankings, int k = DefaultK) =>
        Fuse(rankings.Select(r => (r, 1.0)).ToList(), k);

    /// <summary>Each ranking with its weight: a leg that is right less often counts for less.</summary>
    public static IReadOnlyList<(string Id, double Score)> Fuse(IReadOnlyList<(IReadOnlyList<string> Ranking, double Weight)> rankings, int k = DefaultK)
    {
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        var firstSeen = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = 0;
        foreach (var (ranking, weight) in rankings)
        {
            for (var i = 0; i < ranking.Count; i++)
            {
                var id = ranking[i];
                scores[id] = scores.GetValueOrDefault(id) + weight / (k + i + 1);
                firstSeen.TryAdd(id, order++);
            }
        }
        // Ties keep the order the ids were first seen in, so results are deterministic.
        return scores.OrderByDescending(s => s.Value).ThenBy(s => firstSeen[s.Key]).Select(s => (s.Key, s.Value)).ToList();
    }
}
