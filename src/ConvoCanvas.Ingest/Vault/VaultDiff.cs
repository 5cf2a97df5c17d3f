namespace ConvoCanvas.Ingest.Vault;

/// <summary>What changed in a vault between two scans, from the previous path → hash manifest and the notes seen now.</summary>
public sealed record VaultDiff(
    IReadOnlyList<VaultNote> Created,
    IReadOnlyList<VaultNote> Updated,
    IReadOnlyList<string> Unchanged,
    IReadOnlyList<string> Deleted,
    IReadOnlyList<(string From, VaultNote To)> Renamed)
{
    /// <summary>
    /// A note that vanished from one path and appeared at another with the same content is a
    /// rename, not a delete plus a create: its identity (and its index entries) can move.
    /// When several vanished notes share a hash, they pair up in path order.
    /// </summary>
    public static VaultDiff Compute(IReadOnlyDictionary<string, string> previous, IEnumerable<VaultNote> current)
    {
        var created = new List<VaultNote>();
        var updated = new List<VaultNote>();
        var unchanged = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var note in current)
        {
            seen.Add(note.Path);
            if (!previous.TryGetValue(note.Path, out var oldHash))
            {
                created.Add(note);
            }
            else if (oldHash == note.ContentHash)
            {
                unchanged.Add(note.Path);
            }
            else
            {
                updated.Add(note);
            }
        }

        var vanished = previous.Keys.Where(path => !seen.Contains(path)).Order(StringComparer.Ordinal).ToList();
        var vanishedByHash = vanished.GroupBy(path => previous[path]).ToDictionary(g => g.Key, g => new Queue<string>(g));
        var renamed = new List<(string, VaultNote)>();
        var stillCreated = new List<VaultNote>();
        foreach (var note in created.OrderBy(n => n.Path, StringComparer.Ordinal))
        {
            if (vanishedByHash.TryGetValue(note.ContentHash, out var candidates) && candidates.Count > 0)
            {
                renamed.Add((candidates.Dequeue(), note));
            }
            else
            {
                stillCreated.Add(note);
            }
        }
        var renamedFrom = renamed.Select(r => r.Item1).ToHashSet(StringComparer.Ordinal);
        var deleted = vanished.Where(path => !renamedFrom.Contains(path)).ToList();
        return new VaultDiff(stillCreated, updated, unchanged, deleted, renamed);
    }
}
