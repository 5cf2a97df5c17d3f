using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Web.Components;

/// <summary>Walks a conversation's message tree for the transcript view.</summary>
internal static class Branches
{
    /// <summary>Root-first messages from the root down to <paramref name="leafId"/>.</summary>
    public static List<Message> Path(Conversation conversation, string? leafId)
    {
        var byId = conversation.Messages.ToDictionary(m => m.Id);
        var path = new List<Message>();
        var seen = new HashSet<string>();
        for (var id = leafId; id is not null && byId.TryGetValue(id, out var message) && seen.Add(id); id = message.ParentId)
        {
            path.Add(message);
        }
        path.Reverse();
        return path;
    }

    /// <summary>For each message that has siblings, the ids of all siblings in order (the branch choices).</summary>
    public static Dictionary<string, List<string>> Alternatives(Conversation conversation)
    {
        var result = new Dictionary<string, List<string>>();
        foreach (var group in conversation.Messages.GroupBy(m => m.ParentId ?? "").Where(g => g.Count() > 1))
        {
            var siblings = group.Select(m => m.Id).ToList();
            foreach (var id in siblings)
            {
                result[id] = siblings;
            }
        }
        return result;
    }

    /// <summary>The newest leaf below a message: what a user means by "show me this branch".</summary>
    public static string NewestLeafUnder(Conversation conversation, string messageId)
    {
        var children = conversation.Messages.Where(m => m.ParentId is not null).ToLookup(m => m.ParentId!);
        var current = conversation.Messages.First(m => m.Id == messageId);
        var seen = new HashSet<string> { current.Id };
        while (children[current.Id].OrderByDescending(m => m.CreatedAt ?? DateTimeOffset.MinValue).FirstOrDefault() is { } next && seen.Add(next.Id))
        {
            current = next;
        }
        return current.Id;
    }
}
