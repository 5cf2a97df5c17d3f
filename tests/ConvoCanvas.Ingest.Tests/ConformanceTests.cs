using ConvoCanvas.Ingest.Import;
using ConvoCanvas.Ingest.Model;
using Xunit.Abstractions;

namespace ConvoCanvas.Ingest.Tests;

/// <summary>
/// Every .json file of the third-party export samples in ../shared/data, with the outcome checked by
/// hand against the file: how many conversations and messages, or why it is refused.
/// </summary>
public sealed class ConformanceTests(ITestOutputHelper output)
{
    private static readonly string[] Folders =
    [
        "librechat-import-fixtures", "librechat-import-fixtures-upstream", "claude-ai-osteele-claude-chat-viewer",
        "openwebui-importer-MIT", "polylogue-MIT",
    ];

    private const string NotRecognised = "not a recognised export";

    /// <summary>Path → (source, conversations, messages over all of them, reasons of the errors expected).</summary>
    private static readonly Dictionary<string, (string? Source, int Conversations, int Messages, string[] Errors)> Expected = new()
    {
        ["librechat-import-fixtures/chatbotui-export.json"] = (null, 0, 0, [NotRecognised]),
        ["librechat-import-fixtures/chatgpt-citations.json"] = (ConversationSources.ChatGpt, 1, 2, []),
        ["librechat-import-fixtures/chatgpt-export.json"] = (ConversationSources.ChatGpt, 2, 21, []),
        ["librechat-import-fixtures/chatgpt-tree.json"] = (ConversationSources.ChatGpt, 1, 12, []),
        ["librechat-import-fixtures/librechat-export.json"] = (ConversationSources.LibreChat, 1, 6, []),
        ["librechat-import-fixtures/librechat-linear.json"] = (ConversationSources.LibreChat, 1, 2, []),
        ["librechat-import-fixtures/librechat-opts-nonr-branches.json"] = (ConversationSources.LibreChat, 1, 5, []),
        ["librechat-import-fixtures/librechat-tree.json"] = (ConversationSources.LibreChat, 1, 9, []),
        ["librechat-import-fixtures-upstream/chatgpt-modern-export.json"] = (ConversationSources.ChatGpt, 2, 7, ["no 'mapping'"]),
        ["librechat-import-fixtures-upstream/openwebui-export.json"] = (ConversationSources.OpenWebUi, 3, 6, []),
        ["claude-ai-osteele-claude-chat-viewer/src/data/sampleConversations/api.json"] = (ConversationSources.ClaudeAi, 1, 2, []),
        ["claude-ai-osteele-claude-chat-viewer/src/data/sampleConversations/business-strategy.json"] = (ConversationSources.ClaudeAi, 1, 6, []),
        ["claude-ai-osteele-claude-chat-viewer/src/data/sampleConversations/cooking.json"] = (ConversationSources.ClaudeAi, 1, 6, []),
        ["claude-ai-osteele-claude-chat-viewer/src/data/sampleConversations/creative-writing.json"] = (ConversationSources.ClaudeAi, 1, 6, []),
        ["claude-ai-osteele-claude-chat-viewer/src/data/sampleConversations/data.json"] = (ConversationSources.ClaudeAi, 1, 2, []),
        ["claude-ai-osteele-claude-chat-viewer/src/data/sampleConversations/debugging.json"] = (ConversationSources.ClaudeAi, 1, 4, []),
        ["claude-ai-osteele-claude-chat-viewer/src/data/sampleConversations/history.json"] = (ConversationSources.ClaudeAi, 1, 6, []),
        ["claude-ai-osteele-claude-chat-viewer/src/data/sampleConversations/math-tutoring.json"] = (ConversationSources.ClaudeAi, 1, 4, []),
        ["claude-ai-osteele-claude-chat-viewer/src/data/sampleConversations/python.json"] = (ConversationSources.ClaudeAi, 1, 4, []),
        ["claude-ai-osteele-claude-chat-viewer/src/data/sampleConversations/webdev.json"] = (ConversationSources.ClaudeAi, 1, 2, []),
        ["claude-ai-osteele-claude-chat-viewer/testdata/claude-bakery-chat.json"] = (ConversationSources.ClaudeAi, 1, 4, []),
        ["claude-ai-osteele-claude-chat-viewer/testdata/conversation-rendering-tests.json"] = (ConversationSources.ClaudeAi, 1, 10, []),
        ["claude-ai-osteele-claude-chat-viewer/testdata/conversation-with-errors.json"] = (ConversationSources.ClaudeAi, 1, 10, []),
        ["claude-ai-osteele-claude-chat-viewer/testdata/conversations-multiple-errors.json"] = (ConversationSources.ClaudeAi, 4, 4, ["no 'chat_messages'"]),
        ["claude-ai-osteele-claude-chat-viewer/testdata/conversations.json"] = (ConversationSources.ClaudeAi, 2, 6, []),
        ["claude-ai-osteele-claude-chat-viewer/testdata/simple-invalid.json"] = (null, 0, 0, [NotRecognised]),
        ["openwebui-importer-MIT/examples/aistudio_example.json"] = (null, 0, 0, [NotRecognised]),
        ["openwebui-importer-MIT/examples/claude_example.json"] = (ConversationSources.ClaudeAi, 85, 557, []),
        ["openwebui-importer-MIT/examples/claude_thinking_example.json"] = (ConversationSources.ClaudeAi, 1, 2, []),
        ["openwebui-importer-MIT/examples/gpt_example.json"] = (ConversationSources.ChatGpt, 1, 12, []),
        ["openwebui-importer-MIT/examples/grok_example.json"] = (null, 0, 0, [NotRecognised]),
        // Claude-shaped but its messages have no sender: refused rather than guessed.
        ["openwebui-importer-MIT/examples/invalid_unicode.json"] = (null, 0, 0, ["has sender '(none)'"]),
        ["openwebui-importer-MIT/examples/webui-json.json"] = (ConversationSources.OpenWebUi, 1, 2, []),
        ["openwebui-importer-MIT/schemas/aistudio-schema.json"] = (null, 0, 0, [NotRecognised]),
        ["openwebui-importer-MIT/schemas/chatgpt-schema.json"] = (null, 0, 0, [NotRecognised]),
        ["openwebui-importer-MIT/schemas/claude-schema.json"] = (null, 0, 0, [NotRecognised]),
        ["openwebui-importer-MIT/schemas/grok-schema.json"] = (null, 0, 0, [NotRecognised]),
        // The importer's expected outputs are Open WebUI chats themselves.
        ["openwebui-importer-MIT/tests/expected/chatgpt_output.json"] = (ConversationSources.OpenWebUi, 1, 10, []),
        ["openwebui-importer-MIT/tests/expected/claude_output.json"] = (ConversationSources.OpenWebUi, 1, 10, []),
        ["openwebui-importer-MIT/tests/expected/claude_thinking_output.json"] = (ConversationSources.OpenWebUi, 1, 2, []),
        ["openwebui-importer-MIT/tests/expected/grok_output.json"] = (ConversationSources.OpenWebUi, 1, 10, []),
        ["openwebui-importer-MIT/tests/expected/invalid_unicode_output.json"] = (ConversationSources.OpenWebUi, 1, 2, []),
        ["polylogue-MIT/data/gemini_chunked_prompt/branching_session.json"] = (null, 0, 0, [NotRecognised]),
        ["polylogue-MIT/data/gemini_chunked_prompt/code_execution_prompt.json"] = (null, 0, 0, [NotRecognised]),
        ["polylogue-MIT/data/gemini_chunked_prompt/code_execution_session.json"] = (null, 0, 0, [NotRecognised]),
        ["polylogue-MIT/data/gemini_chunked_prompt/multi_turn_prompt.json"] = (null, 0, 0, [NotRecognised]),
        ["polylogue-MIT/data/gemini_chunked_prompt/multimodal_session.json"] = (null, 0, 0, [NotRecognised]),
        ["polylogue-MIT/data/gemini_chunked_prompt/text_only_prompt.json"] = (null, 0, 0, [NotRecognised]),
        ["polylogue-MIT/data/gemini_chunked_prompt/text_only_session.json"] = (null, 0, 0, [NotRecognised]),
        ["polylogue-MIT/fixtures/chatgpt/native-browser-capture-v1.json"] = (null, 0, 0, [NotRecognised]),
        ["polylogue-MIT/fixtures/chatgpt/native-conversation-v1.json"] = (ConversationSources.ChatGpt, 1, 8, []),
        ["polylogue-MIT/fixtures/origin-capability/aistudio-drive-hinted.json"] = (null, 0, 0, [NotRecognised]),
        ["polylogue-MIT/fixtures/origin-capability/aistudio-drive.json"] = (null, 0, 0, [NotRecognised]),
        ["polylogue-MIT/fixtures/origin-capability/antigravity-session.json"] = (null, 0, 0, [NotRecognised]),
        ["polylogue-MIT/fixtures/origin-capability/chatgpt-export.json"] = (ConversationSources.ChatGpt, 1, 1, []),
        ["polylogue-MIT/fixtures/origin-capability/claude-ai-export.json"] = (ConversationSources.ClaudeAi, 1, 1, []),
        ["polylogue-MIT/fixtures/origin-capability/claude-design-session.json"] = (null, 0, 0, [NotRecognised]),
        ["polylogue-MIT/fixtures/origin-capability/gemini-cli-session.json"] = (null, 0, 0, [NotRecognised]),
        ["polylogue-MIT/fixtures/origin-capability/grok-export.json"] = (null, 0, 0, [NotRecognised]),
    };

    [Fact]
    public void Every_json_sample_gives_the_outcome_checked_by_hand()
    {
        if (TestData.Conversations(output) is not { } root)
        {
            return;
        }
        var files = Folders.SelectMany(f => Directory.GetFiles(Path.Combine(root, f), "*.json", SearchOption.AllDirectories))
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();

        // A new sample must get a hand-checked expectation, not pass silently.
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), files);
        var failures = new List<string>();
        foreach (var file in files)
        {
            var (source, conversations, messages, errors) = Expected[file];
            var items = new ExportReader().Read([Path.Combine(root, file)]).ToList();
            var got = items.Conversations();
            var gotErrors = items.Errors();
            var ok = got.Count == conversations
                && got.Sum(c => c.Messages.Count) == messages
                && got.All(c => c.Source == source)
                && gotErrors.Count == errors.Length
                && errors.Zip(gotErrors).All(pair => pair.Second.Reason.Contains(pair.First, StringComparison.Ordinal));
            if (!ok)
            {
                failures.Add($"{file}: got {got.Count} conversations, {got.Sum(c => c.Messages.Count)} messages, errors [{string.Join(" | ", gotErrors)}]");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Every_imported_sample_has_a_sound_tree_and_active_path()
    {
        if (TestData.Conversations(output) is not { } root)
        {
            return;
        }
        var conversations = Folders.SelectMany(f => new ExportReader().Read([Path.Combine(root, f)]).Conversations()).ToList();

        Assert.True(conversations.Count > 100, $"only {conversations.Count} conversations read");
        foreach (var conversation in conversations)
        {
            var ids = conversation.Messages.Select(m => m.Id).ToHashSet();
            Assert.Equal(conversation.Messages.Count, ids.Count);
            Assert.All(conversation.Messages, m => Assert.True(m.ParentId is null || ids.Contains(m.ParentId), $"{conversation.Id}: dangling parent of {m.Id}"));
            if (conversation.Messages.Count > 0)
            {
                Assert.NotEmpty(conversation.ActivePath);
                Assert.Null(conversation.Msg(conversation.ActivePath[0]).ParentId);
                for (var i = 1; i < conversation.ActivePath.Count; i++)
                {
                    Assert.Equal(conversation.ActivePath[i - 1], conversation.Msg(conversation.ActivePath[i]).ParentId);
                }
            }
        }
    }

    [Fact]
    public void Reading_the_samples_twice_gives_the_same_hashes()
    {
        if (TestData.Conversations(output) is not { } root)
        {
            return;
        }
        var folders = Folders.Select(f => Path.Combine(root, f)).ToList();

        var first = new ExportReader().Read(folders).Conversations().Select(c => (c.Id, ConversationHash.Compute(c))).ToList();
        var second = new ExportReader().Read(folders).Conversations().Select(c => (c.Id, ConversationHash.Compute(c))).ToList();

        Assert.Equal(first, second);
    }

    [Fact]
    public void The_whole_conversations_folder_imports_without_an_escaping_exception()
    {
        if (TestData.Conversations(output) is not { } root)
        {
            return;
        }
        var run = new ExportReader().Read([root]);
        var items = run.ToList();

        // Claude Code .jsonl sessions and golden .md renders are not these formats: counted as skipped.
        Assert.True(run.FilesSkipped > 20, $"skipped {run.FilesSkipped}");
        Assert.Equal(items.Count(i => i.Conversation is not null), run.Conversations);
        Assert.Equal(items.Errors(), run.Errors);
        output.WriteLine($"{run.FilesSeen} files, {run.Conversations} conversations, {run.Errors.Count} errors, {run.FilesSkipped} skipped");
    }
}
