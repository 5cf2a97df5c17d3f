using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Grains.Tests;

/// <summary>Small conversations made in code for grain tests.</summary>
internal static class Conversations
{
    public static Conversation Linear(string id, int turns = 2, string title = "Fix the DNS", string model = "gpt-4o", string source = ConversationSources.ChatGpt)
    {
        var messages = new List<Message>();
        string? parent = null;
        var start = new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < turns * 2; i++)
        {
            var user = i % 2 == 0;
            var messageId = $"{id}-m{i}";
            messages.Add(new Message
            {
                Id = messageId,
                ParentId = parent,
                Role = user ? MessageRoles.User : MessageRoles.Assistant,
                CreatedAt = start.AddMinutes(i),
                Model = user ? null : model,
                Text = user ? $"Question {i / 2}: why does the node lose its IP after a DHCP renew?" : $"Answer {i / 2}: pin the lease or use a static address; we decided to use a static address.",
                Blocks = [new ContentBlock { Kind = BlockKinds.Text, Text = "..." }],
            });
            parent = messageId;
        }
        return new Conversation
        {
            Source = source,
            ExternalId = id,
            Title = title,
            CreatedAt = start,
            UpdatedAt = start.AddMinutes(turns * 2),
            Models = [model],
            Messages = messages,
            ActivePath = messages.Select(m => m.Id).ToList(),
        };
    }
}
