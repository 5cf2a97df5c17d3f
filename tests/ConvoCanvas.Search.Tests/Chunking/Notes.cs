using System.Text;
using ConvoCanvas.Ingest.Vault;

namespace ConvoCanvas.Search.Tests.Chunking;

internal static class Notes
{
    public static VaultNote Parse(string markdown, string path = "notes/Note.md") => VaultNoteParser.Parse(path, Encoding.UTF8.GetBytes(markdown));

    /// <summary>Prose of roughly <paramref name="words"/> words, different for each <paramref name="seed"/>.</summary>
    public static string Prose(int words, int seed = 0)
    {
        string[] vocabulary = ["cluster", "node", "garden", "river", "deploy", "kernel", "coffee", "window", "market", "signal", "planet", "ticket", "violin", "harbor", "engine", "pepper"];
        var builder = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            builder.Append(vocabulary[(i * 7 + seed * 3 + i / 5) % vocabulary.Length]);
            builder.Append(i % 12 == 11 ? ". " : " ");
        }

        return builder.ToString().Trim() + ".";
    }
}
