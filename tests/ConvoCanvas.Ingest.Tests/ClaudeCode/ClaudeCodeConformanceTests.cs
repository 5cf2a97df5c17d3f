using ConvoCanvas.Ingest.Formats;
using ConvoCanvas.Ingest.Formats.ClaudeCode;
using ConvoCanvas.Ingest.Model;
using Xunit.Abstractions;

namespace ConvoCanvas.Ingest.Tests.ClaudeCode;

/// <summary>
/// Every Claude Code-like .jsonl in the shared third-party data, with what was checked by hand
/// (line types counted with jq, sessions and subagent folders looked at).
/// </summary>
public sealed class ClaudeCodeConformanceTests(ITestOutputHelper output)
{
    private const string MoredipSamples = "claude-code-jsonl/moredip-session-share/samples/claude-code-projects/";
    private const string ViewerFixtures = "claude-code-jsonl/moredip-session-share/session-viewer/test/INTEGRATION/fixtures/";

    private readonly ClaudeCodeFormat _format = new();

    /// <summary>The .jsonl files that are not Claude Code transcripts, and why.</summary>
    private static readonly string[] NotClaimed =
    [
        "claude-code-jsonl/ccusage/fixtures/claude/projects/project-alpha/session-alpha/chat.jsonl", // usage lines: no type, no content
        "claude-code-jsonl/ccusage/fixtures/claude/projects/project-beta/session-beta/chat.jsonl",
        "claude-code-jsonl/ccusage/fixtures/codex/sessions/project-alpha/session-alpha.jsonl", // Codex events
        "claude-code-jsonl/ccusage/test-transcript.jsonl", // neither sessionId nor uuid
        "polylogue-MIT/data/codex_event_stream/functions_exec_multiple.jsonl",
        "polylogue-MIT/data/codex_event_stream/functions_exec_single.jsonl",
        "polylogue-MIT/data/codex_event_stream/interleaved_stream.jsonl",
        "polylogue-MIT/data/codex_event_stream/text_only_stream.jsonl",
        "polylogue-MIT/data/codex_event_stream/tool_call_stream.jsonl",
        "polylogue-MIT/fixtures/origin-capability/beads-issue.jsonl",
        "polylogue-MIT/fixtures/origin-capability/codex-session.jsonl",
        "polylogue-MIT/fixtures/origin-capability/hermes-session.jsonl",
    ];

    private (string Root, List<ExportFile> All)? Load()
    {
        var root = SharedDataFolder.Find(output, "conversations");
        if (root is null) return null;
        var files = new[] { "claude-code-jsonl", "polylogue-MIT" }
            .SelectMany(d => Directory.GetFiles(Path.Combine(root, d), "*.jsonl", SearchOption.AllDirectories))
            .Select(f => SharedDataFolder.ExportFileFor(f, root))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
        return (root, files);
    }

    private (List<Conversation> Conversations, List<ImportError> Errors) ReadClaimed(string root, List<ExportFile> all)
    {
        var claimed = all.Where(f => _format.Claims(f, SharedDataFolder.Head(Path.Combine(root, f.Path)))).ToList();
        var items = _format.Read(claimed, ImportOptions.Default, default).ToList();
        return (items.Where(i => i.Conversation is not null).Select(i => i.Conversation!).ToList(),
                items.Where(i => i.Error is not null).Select(i => i.Error!).ToList());
    }

    [Fact]
    public void Claims_every_Claude_Code_transcript_and_nothing_else()
    {
        if (Load() is not var (root, all)) return;
        var claimed = all.Where(f => _format.Claims(f, SharedDataFolder.Head(Path.Combine(root, f.Path)))).Select(f => f.Path).ToList();
        var notClaimed = all.Select(f => f.Path).Except(claimed).ToList();
        Assert.Equal(NotClaimed.Order(StringComparer.Ordinal), notClaimed.Order(StringComparer.Ordinal));
        Assert.Equal(18 + 6, claimed.Count); // claude-code-jsonl: 18 of 22; polylogue: 5 claude-code fixtures + 1 origin-capability
    }

    [Fact]
    public void Reads_every_session_with_the_message_counts_checked_by_hand()
    {
        if (Load() is not var (root, all)) return;
        var (conversations, _) = ReadClaimed(root, all);
        var counts = conversations.ToDictionary(c => c.ExternalId, c => c.Messages.Count);

        Assert.Equal(new Dictionary<string, int>
        {
            // moredip real sessions: user + assistant + system lines (progress, snapshots, queue skipped)
            ["0ccf1a04-1b4c-43b6-8aa5-79e41db43a68"] = 60 + 22,
            ["4b2030ed-5563-49ea-b703-6a002f2d3cc8"] = 7 + 4,
            ["88f04c6a-d128-40bf-96b3-6b2aa787f62c"] = 138 + 266,
            ["47bf5f5c-9e11-4f51-8a29-7ad38ecdf17c"] = 9 + 11,
            ["40c891f7-4eee-4808-ba2f-c617dd23f308"] = 2,
            ["1656b075-7af5-4b06-a123-1330c620f60c"] = 13,
            ["334e78d3-6677-4e38-94a5-e20d32a63a3a"] = 14,
            // daaain: edge_cases repeats uuids (first kept) and one of its lines belongs to todowrite_session
            ["edge_cases"] = 11,
            ["todowrite_session"] = 11,
            ["test_session"] = 11,
            ["session_b"] = 3,
            ["test-session-id"] = 7,
            // polylogue: the duplicate main-u1 is dropped; the 'other' session is split out; four files share claude-lineage-parent
            ["claude-normalization-main"] = 9,
            ["claude-normalization-other"] = 2,
            ["claude-lineage-parent"] = 10,
            ["origin-matrix-claude-code"] = 2,
        }, counts);
    }

    [Fact]
    public void Subagent_files_attach_to_their_parent_session()
    {
        if (Load() is not var (root, all)) return;
        var (conversations, _) = ReadClaimed(root, all);

        var curry = conversations.Single(c => c.ExternalId == "0ccf1a04-1b4c-43b6-8aa5-79e41db43a68");
        Assert.Equal(["a5bdbc1", "a9cad17", "aa5ef13", "ac27727", "afbbf75"],
            curry.Messages.Where(m => m.IsSidechain).Select(m => m.Author!).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(22, curry.Messages.Count(m => m.IsSidechain));
        Assert.Equal("Spawn curry poem agents, write sushi", curry.Title);

        var thai = conversations.Single(c => c.ExternalId == "4b2030ed-5563-49ea-b703-6a002f2d3cc8");
        Assert.All(thai.Messages.Where(m => m.IsSidechain), m => Assert.Equal("a2018e5", m.Author));
        Assert.Equal(4, thai.Messages.Count(m => m.IsSidechain));
        Assert.Equal("spawn a subagent to perform a websearch to determine what is the most popular color of thai curry", thai.Title);
        Assert.Equal(7, thai.ActivePath.Count); // the whole main thread, ending at its turn_duration line
        Assert.All(thai.ActivePath, id => Assert.False(thai.Messages.Single(m => m.Id == id).IsSidechain));

        var lineage = conversations.Single(c => c.ExternalId == "claude-lineage-parent");
        Assert.Equal(["task-agent-12-change-proof"], lineage.Messages.Where(m => m.IsSidechain).Select(m => m.Author!).Distinct());
    }

    [Fact]
    public void Source_comment_lines_and_non_objects_are_reported_and_skipped()
    {
        if (Load() is not var (root, all)) return;
        var (_, errors) = ReadClaimed(root, all);

        string[] viewer = ["edit-tool-variants", "general-tool-calls", "images-in-tool-results", "images-in-user-messages", "read-tool-variants"];
        var expected = viewer
            .SelectMany(name => new[] { $"{ViewerFixtures}{name}.jsonl: line 1", $"{ViewerFixtures}{name}.jsonl: line 2" })
            .Concat(new[] { 11, 13, 14, 15, 16 }.Select(n => $"claude-code-jsonl/daaain-claude-code-log/edge_cases.jsonl: line {n}"))
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, errors.Select(e => $"{e.File}: {e.Item}").Order(StringComparer.Ordinal));
        Assert.All(errors.Where(e => e.File.StartsWith(ViewerFixtures, StringComparison.Ordinal)), e => Assert.Contains("not JSON", e.Reason));
    }

    [Fact]
    public void Real_sessions_keep_titles_images_tools_and_models()
    {
        if (Load() is not var (root, all)) return;
        var (conversations, _) = ReadClaimed(root, all);

        var robot = conversations.Single(c => c.ExternalId == "47bf5f5c-9e11-4f51-8a29-7ad38ecdf17c");
        Assert.Equal("Friendly Robot Icon Identification", robot.Title);
        Assert.Equal(["[image/png 23 KB]", "[image/png 23 KB]"], robot.Messages.SelectMany(m => m.Blocks).Where(b => b.Kind == BlockKinds.Image).Select(b => b.Text!));

        var tools = conversations.Single(c => c.ExternalId == "88f04c6a-d128-40bf-96b3-6b2aa787f62c");
        Assert.Equal("Claude Code Session Share Plugin Development", tools.Title); // the last summary whose leaf is in the session
        var uses = tools.Messages.SelectMany(m => m.Blocks).Where(b => b.Kind == BlockKinds.ToolUse).ToList();
        var results = tools.Messages.SelectMany(m => m.Blocks).Where(b => b.Kind == BlockKinds.ToolResult).ToList();
        Assert.Equal(110, uses.Count);
        Assert.Equal(109, results.Count);
        Assert.All(results, r => Assert.Contains(uses, u => u.Reference == r.Reference));
        Assert.Equal(["claude-opus-4-5-20251101", "claude-haiku-4-5-20251001"], tools.Models);
        Assert.Equal("main", tools.Properties["gitBranch"]);

        var main = conversations.Single(c => c.ExternalId == "claude-normalization-main");
        Assert.Equal("Review the parser.", main.Messages.Single(m => m.Id == "main-u1").Text);
        Assert.True(main.Messages.SelectMany(m => m.Blocks).Single(b => b.Reference == "tool-fg" && b.Kind == BlockKinds.ToolResult).IsError);
        Assert.Equal(["main-u1", "main-a1", "main-bg-start", "main-command", "main-context", "main-a2", "main-fg-result"], main.ActivePath);
    }
}
