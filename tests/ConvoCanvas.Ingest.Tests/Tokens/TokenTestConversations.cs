using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Tests.Tokens;

/// <summary>Conversations made in code, deterministic, for the token and brief tests.</summary>
internal static class TokenTestConversations
{
    public const string Goal = "Help me move the K3s cluster's DNS off the DHCP address so pods stop restarting.";

    /// <summary>A long linear conversation: <paramref name="turns"/> user/assistant pairs of ~150 words each.</summary>
    public static Conversation Long(int turns = 120)
    {
        var messages = new List<Message>();
        var start = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        string? parent = null;
        for (var i = 0; i < turns; i++)
        {
            var user = i == 0
                ? Goal
                : $"Turn {i}: the node still logs resolver timeouts after change {i}. " + Filler(i, 60) +
                  (i == turns - 2 ? " Should we pin CoreDNS to the node's static address?" : "") +
                  (i == turns - 1 ? " Final check for turn 119: what about the kubelet's resolv.conf?" : "");
            var assistant = $"Looking at change {i}. " + Filler(i + 1000, 110) +
                            (i == 10 ? " We decided to give the node a static IP outside the DHCP pool." : "") +
                            (i == 40 ? " Let's go with CoreDNS forwarding to the router and a fallback to 1.1.1.1." : "") +
                            (i == 80 ? " The fix is to restart k3s after updating the node-ip flag." : "");
            messages.Add(Msg($"u{i}", parent, MessageRoles.User, user, start.AddMinutes(i * 2)));
            messages.Add(Msg($"a{i}", $"u{i}", MessageRoles.Assistant, assistant, start.AddMinutes(i * 2 + 1)));
            parent = $"a{i}";
        }

        return new Conversation
        {
            Source = ConversationSources.ClaudeCode,
            ExternalId = "generated-long",
            Title = "Fix K3s DNS after DHCP change",
            Messages = messages,
            ActivePath = messages.Select(m => m.Id).ToList(),
        };
    }

    public static Message Msg(string id, string? parent, string role, string text, DateTimeOffset? at = null) =>
        new() { Id = id, ParentId = parent, Role = role, Text = text, CreatedAt = at, Blocks = [new ContentBlock { Kind = BlockKinds.Text, Text = text }] };

    private static readonly string[] Words =
    [
        "pod", "namespace", "resolver", "kubelet", "lease", "interface", "gateway", "address", "restart", "probe",
        "cache", "upstream", "timeout", "service", "endpoint", "route", "config", "journal", "daemon", "network",
    ];

    /// <summary>Plain sentences without cue phrases or question marks, varied by seed.</summary>
    private static string Filler(int seed, int words)
    {
        var random = new Random(seed);
        var parts = new List<string>(words);
        for (var w = 0; w < words; w++)
        {
            parts.Add(Words[random.Next(Words.Length)]);
            if (w % 12 == 11) parts[^1] += ".";
        }

        return string.Join(' ', parts) + ".";
    }
}
