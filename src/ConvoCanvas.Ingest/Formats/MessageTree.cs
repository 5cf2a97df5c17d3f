using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Formats;

/// <summary>
/// Makes a set of messages into a sound tree: parents that are not in the set become roots, cycles
/// (only hostile files have them) are cut, and the active path runs root-first to the chosen leaf.
/// </summary>
public static class MessageTree
{
    public static (IReadOnlyList<Message> Messages, IReadOnlyList<string> ActivePath) Build(IReadOnlyList<Message> messages, string? currentLeaf)
    {
        var byId = new Dictionary<string, Message>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            if (!byId.TryAdd(message.Id, message))
            {
                throw new ConversationProblem($"message id '{message.Id}' appears twice");
            }
        }

        // Parents outside the set become roots.
        var parentOf = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            parentOf[message.Id] = message.ParentId is { } p && byId.ContainsKey(p) ? p : null;
        }
        CutCycles(parentOf);

        var fixedMessages = new List<Message>(messages.Count);
        foreach (var message in messages)
        {
            var parent = parentOf[message.Id];
            var fixedMessage = parent == message.ParentId ? message : message with { ParentId = parent };
            fixedMessages.Add(fixedMessage);
            byId[message.Id] = fixedMessage;
        }

        var leaf = currentLeaf is not null && byId.ContainsKey(currentLeaf) ? currentLeaf : NewestLeaf(fixedMessages);
        var path = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var id = leaf; id is not null && seen.Add(id); id = byId[id].ParentId)
        {
            path.Add(id);
        }
        path.Reverse();
        return (fixedMessages, path);
    }

    /// <summary>Walks up from each message once (linear time); where a walk meets itself, that link is cut.</summary>
    private static void CutCycles(Dictionary<string, string?> parentOf)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var onWalk = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in parentOf.Keys.ToList())
        {
            onWalk.Clear();
            string? previous = null;
            for (var id = start; id is not null && !done.Contains(id); previous = id, id = parentOf[id])
            {
                if (!onWalk.Add(id))
                {
                    parentOf[previous!] = null;
                    break;
                }
            }
            done.UnionWith(onWalk);
        }
    }

    /// <summary>The leaf created last; ties go to the one listed last, which is how exports list regenerations.</summary>
    private static string? NewestLeaf(IReadOnlyList<Message> messages)
    {
        var parents = new HashSet<string>(messages.Where(m => m.ParentId is not null).Select(m => m.ParentId!), StringComparer.Ordinal);
        Message? best = null;
        foreach (var message in messages)
        {
            if (parents.Contains(message.Id))
            {
                continue;
            }
            if (best is null || (message.CreatedAt ?? DateTimeOffset.MinValue) >= (best.CreatedAt ?? DateTimeOffset.MinValue))
            {
                best = message;
            }
        }
        return best?.Id;
    }
}
