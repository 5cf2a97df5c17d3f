using System.Text;
using ConvoCanvas.Ingest.Formats;
using ConvoCanvas.Ingest.Formats.ClaudeCode;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Tests.ClaudeCode;

public sealed class ClaudeCodeFormatTests
{
    private static readonly string FixtureRoot = Path.Combine(AppContext.BaseDirectory, "Fixtures", "ClaudeCode");
    private static readonly string SessionFile = Path.Combine(FixtureRoot, "projects", "-home-dev-app", "sess-1.jsonl");
    private static readonly string AgentFile = Path.Combine(FixtureRoot, "projects", "-home-dev-app", "sess-1", "subagents", "agent-a7f3.jsonl");

    private readonly ClaudeCodeFormat _format = new();

    private static ExportFile OnDisk(string path) => SharedDataFolder.ExportFileFor(path, FixtureRoot);

    private static ExportFile InMemory(string path, params string[] lines)
    {
        var bytes = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");
        return new ExportFile(path, bytes.Length, () => new MemoryStream(bytes));
    }

    private List<ImportItem> ReadAll(params ExportFile[] files) => _format.Read(files, ImportOptions.Default, default).ToList();

    private Conversation ReadFixtureSession()
    {
        var conversations = ReadAll(OnDisk(SessionFile), OnDisk(AgentFile)).Where(i => i.Conversation is not null).ToList();
        return Assert.Single(conversations).Conversation!;
    }

    [Fact]
    public void Claims_session_file_that_starts_with_comment_lines()
    {
        Assert.True(_format.Claims(OnDisk(SessionFile), File.ReadAllBytes(SessionFile)));
        Assert.True(_format.Claims(OnDisk(AgentFile), File.ReadAllBytes(AgentFile)));
    }

    [Theory]
    [InlineData("a.jsonl", """{"type":"session_meta","payload":{"id":"x"}}""")]
    [InlineData("a.jsonl", """{"timestamp":"2026-01-01T00:00:00Z","sessionId":"s","message":{"role":"assistant"}}""")]
    [InlineData("a.jsonl", """{"type":"user","message":{}}""")]
    [InlineData("a.json", """{"type":"user","sessionId":"s","uuid":"u"}""")]
    [InlineData("a.jsonl", "// only a comment")]
    public void Does_not_claim_other_line_formats(string name, string firstLine)
    {
        var bytes = Encoding.UTF8.GetBytes(firstLine + "\n");
        Assert.False(_format.Claims(InMemory(name, firstLine), bytes));
    }

    [Fact]
    public void Claims_when_the_head_cuts_a_huge_first_line()
    {
        var line = """{"parentUuid":null,"sessionId":"s","type":"user","message":{"content":""" + "\"" + new string('x', 100_000) + "\"}}";
        var head = Encoding.UTF8.GetBytes(line)[..(64 * 1024)];
        Assert.True(_format.Claims(InMemory("s.jsonl", line), head));
    }

    [Fact]
    public void Subagent_file_joins_its_parent_session_as_one_conversation()
    {
        var conversation = ReadFixtureSession();

        Assert.Equal("claude-code:sess-1", conversation.Id);
        Assert.Equal(13, conversation.Messages.Count);
        var side = conversation.Messages.Where(m => m.IsSidechain).ToList();
        Assert.Equal(["x1", "x2"], side.Select(m => m.Id));
        Assert.All(side, m => Assert.Equal("a7f3", m.Author));
        Assert.Null(side[0].ParentId);
        Assert.DoesNotContain(conversation.ActivePath, id => id.StartsWith('x'));
    }

    [Fact]
    public void Active_path_runs_from_first_prompt_to_last_main_message_through_compaction()
    {
        var conversation = ReadFixtureSession();
        Assert.Equal(["u1", "a1", "a2", "t1", "u2", "a3", "t2", "c1", "c2", "a4", "s1"], conversation.ActivePath);
    }

    [Fact]
    public void Split_assistant_turn_stays_as_separate_messages_with_uuid_ids()
    {
        var messages = ReadFixtureSession().Messages;
        var a1 = messages.Single(m => m.Id == "a1");
        var a2 = messages.Single(m => m.Id == "a2");
        Assert.Equal(BlockKinds.Thinking, Assert.Single(a1.Blocks).Kind);
        Assert.Equal("a1", a2.ParentId);
        var toolUse = Assert.Single(a2.Blocks);
        Assert.Equal((BlockKinds.ToolUse, "Bash", "toolu_1"), (toolUse.Kind, toolUse.Name, toolUse.Reference));
        Assert.Equal("""{"command":"dotnet test"}""", toolUse.Text);
    }

    [Fact]
    public void Tool_result_links_to_its_call_and_keeps_the_error_flag()
    {
        var t1 = ReadFixtureSession().Messages.Single(m => m.Id == "t1");
        Assert.Equal(MessageRoles.Tool, t1.Role);
        var result = Assert.Single(t1.Blocks);
        Assert.Equal((BlockKinds.ToolResult, "toolu_1", true, "1 failed"), (result.Kind, result.Reference, result.IsError, result.Text));
    }

    [Fact]
    public void Base64_image_is_described_not_kept()
    {
        var u2 = ReadFixtureSession().Messages.Single(m => m.Id == "u2");
        var image = u2.Blocks.Single(b => b.Kind == BlockKinds.Image);
        Assert.Equal("[image/png 12 KB]", image.Text);
        Assert.All(u2.Blocks, b => Assert.DoesNotContain("AAAA", b.Text ?? ""));
        Assert.Equal("Here is the screenshot", u2.Text);
    }

    [Fact]
    public void Compaction_is_kept_as_summary_blocks_linked_to_the_logical_parent()
    {
        var messages = ReadFixtureSession().Messages;
        var boundary = messages.Single(m => m.Id == "c1");
        Assert.Equal("t2", boundary.ParentId);
        Assert.Equal(BlockKinds.Summary, Assert.Single(boundary.Blocks).Kind);
        var summary = messages.Single(m => m.Id == "c2");
        Assert.Equal(MessageRoles.System, summary.Role);
        Assert.Equal(BlockKinds.Summary, Assert.Single(summary.Blocks).Kind);
        Assert.Contains("races on SessionStore", summary.Text);
    }

    [Fact]
    public void Bookkeeping_lines_are_bridged_and_not_messages()
    {
        var conversation = ReadFixtureSession();
        Assert.DoesNotContain(conversation.Messages, m => m.Id == "p0");
        Assert.Null(conversation.Messages.Single(m => m.Id == "u1").ParentId);
    }

    [Fact]
    public void Title_models_times_and_properties_come_from_the_lines()
    {
        var conversation = ReadFixtureSession();
        Assert.Equal("Flaky login test fixed", conversation.Title);
        Assert.Equal(["claude-opus-4-5", "claude-haiku-4-5"], conversation.Models);
        Assert.Equal(DateTimeOffset.Parse("2026-03-01T10:00:00Z"), conversation.CreatedAt);
        Assert.Equal(DateTimeOffset.Parse("2026-03-01T10:04:01Z"), conversation.UpdatedAt);
        Assert.Equal("/home/dev/app", conversation.Properties["cwd"]);
        Assert.Equal("main", conversation.Properties["gitBranch"]);
        Assert.Equal("2.1.20", conversation.Properties["version"]);
        Assert.Equal("-home-dev-app", conversation.Properties["project"]);
    }

    [Fact]
    public void Title_falls_back_to_the_first_real_prompt_trimmed()
    {
        var file = InMemory("p/s2.jsonl",
            """{"type":"user","uuid":"m","sessionId":"s2","isMeta":true,"message":{"role":"user","content":"Caveat: injected"}}""",
            """{"type":"user","uuid":"c","parentUuid":"m","sessionId":"s2","message":{"role":"user","content":"<command-name>/clear</command-name>"}}""",
            """{"type":"user","uuid":"u","parentUuid":"c","sessionId":"s2","message":{"role":"user","content":"   Why is\n  DNS down?  "}}""");
        var conversation = Assert.Single(ReadAll(file)).Conversation!;
        Assert.Equal("Why is DNS down?", conversation.Title);
    }

    [Fact]
    public void Broken_lines_are_reported_with_file_and_line_and_the_rest_is_imported()
    {
        var items = ReadAll(OnDisk(SessionFile));
        var errors = items.Where(i => i.Error is not null).Select(i => i.Error!).ToList();
        Assert.Equal(["line 1", "line 8"], errors.Select(e => e.Item));
        Assert.All(errors, e => Assert.Equal("projects/-home-dev-app/sess-1.jsonl", e.File));
        Assert.All(errors, e => Assert.Contains("not JSON", e.Reason));
        Assert.Equal(11, items.Single(i => i.Conversation is not null).Conversation!.Messages.Count);
    }

    [Fact]
    public void Line_over_the_message_limit_is_an_error_for_that_line_only()
    {
        var huge = """{"type":"user","uuid":"big","parentUuid":"u","sessionId":"s","message":{"role":"user","content":""" + "\"" + new string('z', 5000) + "\"}}";
        var file = InMemory("s.jsonl",
            """{"type":"user","uuid":"u","sessionId":"s","message":{"role":"user","content":"hi"}}""",
            huge,
            """{"type":"assistant","uuid":"a","parentUuid":"u","sessionId":"s","message":{"role":"assistant","content":"hello"}}""");
        var items = _format.Read([file], new ImportOptions { MaxMessageBytes = 1000 }, default).ToList();
        var error = Assert.Single(items, i => i.Error is not null).Error!;
        Assert.Equal("line 2", error.Item);
        Assert.Contains("over the 1,000-byte", error.Reason);
        Assert.Equal(["u", "a"], items.Single(i => i.Conversation is not null).Conversation!.Messages.Select(m => m.Id));
    }

    [Fact]
    public void Subagent_file_without_session_ids_attaches_by_folder()
    {
        var main = InMemory("proj/s9.jsonl", """{"type":"user","uuid":"u","sessionId":"s9","message":{"role":"user","content":"go"}}""");
        var agent = InMemory("proj/s9/subagents/agent-q.jsonl",
            """{"type":"user","uuid":"q1","isSidechain":true,"agentId":"q","message":{"role":"user","content":"sub task"}}""");
        var conversation = Assert.Single(ReadAll(agent, main)).Conversation!;
        Assert.Equal("s9", conversation.ExternalId);
        Assert.Equal(["u", "q1"], conversation.Messages.Select(m => m.Id));
        Assert.True(conversation.Messages[1].IsSidechain);
    }

    [Fact]
    public void Lines_of_two_sessions_in_one_file_become_two_conversations()
    {
        var file = InMemory("mixed.jsonl",
            """{"type":"user","uuid":"a","sessionId":"one","message":{"role":"user","content":"first"}}""",
            """{"type":"user","uuid":"b","sessionId":"two","message":{"role":"user","content":"second"}}""",
            """{"type":"assistant","uuid":"c","parentUuid":"a","sessionId":"one","message":{"role":"assistant","content":"reply"}}""");
        var conversations = ReadAll(file).Select(i => i.Conversation!).ToList();
        Assert.Equal(["one", "two"], conversations.Select(c => c.ExternalId));
        Assert.Equal(["a", "c"], conversations[0].Messages.Select(m => m.Id));
    }

    [Fact]
    public void Parent_links_in_a_loop_are_cut_so_the_path_ends()
    {
        var file = InMemory("loop.jsonl",
            """{"type":"user","uuid":"a","parentUuid":"b","sessionId":"l","message":{"role":"user","content":"one"}}""",
            """{"type":"assistant","uuid":"b","parentUuid":"a","sessionId":"l","message":{"role":"assistant","content":"two"}}""");
        var conversation = Assert.Single(ReadAll(file)).Conversation!;
        Assert.Single(conversation.Messages, m => m.ParentId is null);
        Assert.Equal(["a", "b"], conversation.ActivePath);
    }

    [Fact]
    public void Reading_the_same_files_in_another_order_gives_the_same_conversation()
    {
        var first = ReadFixtureSession();
        var second = _format.Read([OnDisk(AgentFile), OnDisk(SessionFile)], ImportOptions.Default, default)
            .Single(i => i.Conversation is not null).Conversation!;
        Assert.Equal(first.Messages.Select(m => (m.Id, m.ParentId)), second.Messages.Select(m => (m.Id, m.ParentId)));
        Assert.Equal(first.ActivePath, second.ActivePath);
    }
}
