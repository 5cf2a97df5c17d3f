using System.Security.Cryptography;
using System.Text;

namespace ConvoCanvas.Ingest.Formats;

/// <summary>
/// Ids for things an export leaves unnamed. They are derived from what is there (never random), so
/// importing the same export again gives the same ids and the same grains.
/// </summary>
public static class StableIds
{
    public static string Derive(params string[] parts)
    {
        var joined = string.Join('\u001f', parts);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(joined));
        return "cc-" + Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }

    public static string FromBytes(ReadOnlySpan<byte> content) =>
        "cc-" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12));
}
