using System.Globalization;
using System.Text.Json;

namespace ConvoCanvas.Testing.Conversations;

/// <summary>
/// A Claude.ai export of one long conversation, made in code, for tests that need a conversation that
/// overflows a window (the fixtures' conversations are all short). Its id is <c>claude-ai:{uuid}</c>.
/// </summary>
public static class LongConversation
{
    /// <param name="uuid">the conversation's id in the export.</param>
    /// <param name="messages">how many messages, alternately from the person and the assistant.</param>
    /// <param name="sentencesPerMessage">each message repeats one sentence (about 20 tokens) this many times.</param>
    public static byte[] ClaudeExport(string uuid, int messages = 30, int sentencesPerMessage = 20)
    {
        var start = new DateTimeOffset(2024, 5, 1, 9, 0, 0, TimeSpan.Zero);
        var chat = Enumerable.Range(0, messages).Select(i => new
        {
            uuid = $"{uuid}-m{i}",
            sender = i % 2 == 0 ? "human" : "assistant",
            text = string.Concat(Enumerable.Repeat($"Step {i}: the ledger reconciliation runs in the nightly batch window, and we keep its notes. ", sentencesPerMessage)),
            parent_message_uuid = i == 0 ? "00000000-0000-4000-8000-000000000000" : $"{uuid}-m{i - 1}",
            created_at = start.AddMinutes(i).ToString("O", CultureInfo.InvariantCulture),
        }).ToList();
        return JsonSerializer.SerializeToUtf8Bytes(new[]
        {
            new
            {
                uuid,
                name = "Ledger reconciliation",
                created_at = start.ToString("O", CultureInfo.InvariantCulture),
                updated_at = start.AddMinutes(messages).ToString("O", CultureInfo.InvariantCulture),
                chat_messages = chat,
            },
        });
    }
}
