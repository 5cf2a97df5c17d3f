using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Formats.ClaudeCode;

/// <summary>
/// Collects the lines of one session (its main transcript files first, then its subagent files)
/// and links them into a <see cref="Conversation"/>.
/// </summary>
internal sealed class ClaudeCodeSessionBuilder(string sessionId, string? project)
{
    private const int TitleLength = 120;

    private readonly List<(ClaudeCodeLine Line, string Thread)> _messages = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    // Bookkeeping lines (progress, hooks) sit inside the uuid chain; a message whose parent is one
    // of them is linked through it to the nearest real message.
    private readonly Dictionary<string, string?> _skippedParents = new(StringComparer.Ordinal);
    private readonly List<(string Title, string? Leaf)> _summaries = [];
    private readonly Dictionary<string, string> _properties = new(StringComparer.Ordinal);

    /// <param name="thread">The file and thread ("main", or the subagent) the line belongs to.</param>
    public void Add(ClaudeCodeLine line, string thread)
    {
        if (line.Cwd is not null) _properties["cwd"] = line.Cwd;
        if (line.GitBranch is not null) _properties["gitBranch"] = line.GitBranch;
        if (line.Version is not null) _properties["version"] = line.Version;
        if (line.SummaryTitle is not null) _summaries.Add((line.SummaryTitle, line.LeafUuid));

        if (line.Message is null)
        {
            if (line.Uuid is not null) _skippedParents.TryAdd(line.Uuid, line.ParentUuid);
            return;
        }

        // A resumed or copied transcript repeats lines with the same uuid: the first one wins,
        // so a re-import of the same files always keeps the same messages.
        if (!_ids.Add(line.Message.Id)) return;

        _messages.Add((line, thread));
    }

    public bool IsEmpty => _messages.Count == 0;

    public Conversation Build()
    {
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _messages.Count; i++) position[_messages[i].Line.Message!.Id] = i;

        // Parents may be named before they appear: a session spread over several files is not
        // read in the order it was written.
        var parents = new int[_messages.Count];
        var lastInThread = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _messages.Count; i++)
        {
            var (line, thread) = _messages[i];
            var parent = Resolve(line.ParentUuid, position) ?? Resolve(line.LogicalParentUuid, position);
            // Some writers put parentUuid null on every line, and a compaction may start a fresh root:
            // chaining to the previous message of the same thread in the same file keeps the session
            // on one path, which is what the person saw.
            parents[i] = parent ?? lastInThread.GetValueOrDefault(thread, -1);
            if (parents[i] == i) parents[i] = -1;
            lastInThread[thread] = i;
        }

        BreakCycles(parents);

        var messages = new List<Message>(_messages.Count);
        var mainIds = new List<string>();
        for (var i = 0; i < _messages.Count; i++)
        {
            var message = _messages[i].Line.Message!;
            if (!message.IsSidechain) mainIds.Add(message.Id);
            messages.Add(message with { ParentId = parents[i] < 0 ? null : _messages[parents[i]].Line.Message!.Id });
        }

        var times = messages.Where(m => m.CreatedAt is not null).Select(m => m.CreatedAt!.Value).ToList();
        if (project is not null) _properties["project"] = project;

        return new Conversation
        {
            Source = ConversationSources.ClaudeCode,
            ExternalId = sessionId,
            Title = Title(messages),
            CreatedAt = times.Count > 0 ? times.Min() : null,
            UpdatedAt = times.Count > 0 ? times.Max() : null,
            Models = messages
                .Where(m => m.Role == MessageRoles.Assistant && m.Model is not null && m.Model != ClaudeCodeLineParser.SyntheticModel)
                .Select(m => m.Model!)
                .Distinct(StringComparer.Ordinal)
                .ToList(),
            Messages = messages,
            ActivePath = ActivePath(messages, position, mainIds),
            Properties = new SortedDictionary<string, string>(
                _properties.Where(p => p.Value.Length > 0).ToDictionary(), StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// Hostile or corrupt input can name parents in a loop; the loop's earliest message loses its
    /// parent (becomes a root), so the messages always form a tree. Linear time.
    /// </summary>
    private static void BreakCycles(int[] parents)
    {
        var state = new byte[parents.Length]; // 0 unseen, 1 on the current walk, 2 known to reach a root
        var walk = new List<int>();
        for (var start = 0; start < parents.Length; start++)
        {
            walk.Clear();
            var node = start;
            while (node >= 0 && state[node] == 0)
            {
                state[node] = 1;
                walk.Add(node);
                var next = parents[node];
                if (next >= 0 && state[next] == 1)
                {
                    // The loop is the walk from 'next' on; its earliest line becomes the root.
                    parents[walk.Skip(walk.IndexOf(next)).Min()] = -1;
                    break;
                }

                node = next;
            }

            foreach (var seen in walk) state[seen] = 2;
        }
    }

    /// <summary>Follows a parent uuid through skipped bookkeeping lines to a message of this session.</summary>
    private int? Resolve(string? uuid, Dictionary<string, int> position)
    {
        for (var hops = 0; uuid is not null && hops < 10_000; hops++)
        {
            if (position.TryGetValue(uuid, out var index)) return index;
            if (!_skippedParents.TryGetValue(uuid, out uuid)) return null;
        }

        return null;
    }

    private static IReadOnlyList<string> ActivePath(List<Message> messages, Dictionary<string, int> position, List<string> mainIds)
    {
        if (messages.Count == 0) return [];
        var path = new List<string>();
        string? id = mainIds.Count > 0 ? mainIds[^1] : messages[^1].Id;
        while (id is not null)
        {
            path.Add(id);
            id = messages[position[id]].ParentId;
        }

        path.Reverse();
        return path;
    }

    /// <summary>The title Claude Code itself chose (a summary line), else what the person first asked.</summary>
    private string Title(List<Message> messages)
    {
        var summary = _summaries.LastOrDefault(s => s.Leaf is not null && _ids.Contains(s.Leaf)).Title
                      ?? _summaries.FirstOrDefault().Title;
        if (!string.IsNullOrWhiteSpace(summary)) return Shorten(summary);

        var metaIds = _messages.Where(m => m.Line.IsMeta).Select(m => m.Line.Message!.Id).ToHashSet(StringComparer.Ordinal);
        var prompt = messages.FirstOrDefault(m =>
            m.Role == MessageRoles.User && !m.IsSidechain && !metaIds.Contains(m.Id) && IsPrompt(m.Text));
        return prompt is null ? "" : Shorten(prompt.Text);
    }

    /// <summary>Slash commands and local command output arrive as user lines wrapped in tags, and caveats as prose.</summary>
    private static bool IsPrompt(string text)
    {
        var trimmed = text.TrimStart();
        return trimmed.Length > 0
               && !trimmed.StartsWith('<')
               && !trimmed.StartsWith("Caveat:", StringComparison.Ordinal)
               && !trimmed.StartsWith("[Request interrupted", StringComparison.Ordinal);
    }

    internal static string Shorten(string text)
    {
        var oneLine = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length <= TitleLength ? oneLine : oneLine[..(TitleLength - 1)].TrimEnd() + "…";
    }
}
