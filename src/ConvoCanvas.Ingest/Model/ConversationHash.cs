using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ConvoCanvas.Ingest.Model;

/// <summary>
/// A content hash of a normalised conversation, used to tell an unchanged re-import from a changed
/// one. It hashes a canonical form (fields in a fixed order, each length-prefixed, messages sorted by
/// id, properties by key), so it does not depend on how the export ordered its JSON.
/// </summary>
public static class ConversationHash
{
    /// <summary>Bumped when the canonical form changes, so old and new hashes never collide by accident.</summary>
    private const string Version = "convocanvas-conversation-v1";

    public static string Compute(Conversation conversation)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var writer = new Writer(hash);
        writer.Add(Version);
        writer.Add(conversation.Source);
        writer.Add(conversation.ExternalId);
        writer.Add(conversation.Title);
        writer.Add(conversation.CreatedAt);
        writer.Add(conversation.UpdatedAt);
        // Models are a set (their order follows how the export listed nodes), so sort them.
        writer.Add(conversation.Models.Order(StringComparer.Ordinal).ToList());
        writer.Add(conversation.ActivePath);
        writer.Add(conversation.Properties.Count);
        foreach (var (key, value) in conversation.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.Add(key);
            writer.Add(value);
        }
        writer.Add(conversation.Messages.Count);
        foreach (var message in conversation.Messages.OrderBy(m => m.Id, StringComparer.Ordinal))
        {
            writer.Add(message.Id);
            writer.Add(message.ParentId);
            writer.Add(message.Role);
            writer.Add(message.Author);
            writer.Add(message.CreatedAt);
            writer.Add(message.Model);
            writer.Add(message.Text);
            writer.Add(message.IsSidechain ? 1 : 0);
            writer.Add(message.Blocks.Count);
            foreach (var block in message.Blocks)
            {
                writer.Add(block.Kind);
                writer.Add(block.Text);
                writer.Add(block.Language);
                writer.Add(block.Name);
                writer.Add(block.Reference);
                writer.Add(block.IsError ? 1 : 0);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Writes values so that no two different sequences give the same bytes (length prefixes, a null marker).</summary>
    private readonly struct Writer(IncrementalHash hash)
    {
        public void Add(string? value)
        {
            if (value is null)
            {
                Add(-1);
                return;
            }
            var bytes = Encoding.UTF8.GetBytes(value);
            Add(bytes.Length);
            hash.AppendData(bytes);
        }

        public void Add(int value)
        {
            Span<byte> buffer = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(buffer, value);
            hash.AppendData(buffer);
        }

        public void Add(DateTimeOffset? value) =>
            Add(value?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));

        public void Add(IReadOnlyList<string> values)
        {
            Add(values.Count);
            foreach (var value in values)
            {
                Add(value);
            }
        }
    }
}
