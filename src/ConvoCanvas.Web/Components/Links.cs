using ConvoCanvas.Abstractions;

namespace ConvoCanvas.Web.Components;

/// <summary>Where a search hit opens, and its snippet cut into plain and highlighted pieces.</summary>
internal static class Links
{
    /// <summary>A note at its heading, or a conversation at its message.</summary>
    public static string To(SearchHitView hit) => hit.Kind == "note"
        ? $"vaults/{Uri.EscapeDataString(hit.Vault ?? hit.Source)}/notes/{string.Join('/', hit.Path.Split('/').Select(Uri.EscapeDataString))}{(hit.Anchor is null ? "" : "#" + hit.Anchor.TrimStart('#'))}"
        : $"conversations/{Uri.EscapeDataString(hit.Path)}{(hit.Anchor is null ? "" : "#m-" + hit.Anchor)}";

    /// <summary>A series' source: the note at its heading, or the conversation at its message.</summary>
    public static string To(ConvoCanvas.Content.Series.SeriesSource source) => source.Kind == "note"
        ? $"vaults/{Uri.EscapeDataString(source.Vault ?? "")}/notes/{string.Join('/', source.Path.Split('/').Select(Uri.EscapeDataString))}{(source.Anchor is null ? "" : "#" + source.Anchor.TrimStart('#'))}"
        : $"conversations/{Uri.EscapeDataString(source.Path)}{(source.Anchor is null ? "" : "#m-" + source.Anchor)}";

    public static IEnumerable<(string Text, bool Marked)> Segments(SearchHitView hit)
    {
        var at = 0;
        foreach (var range in hit.Highlights.Where(r => r.Length == 2).OrderBy(r => r[0]))
        {
            var (start, length) = (range[0], range[1]);
            if (start < at || start + length > hit.Snippet.Length)
            {
                continue;
            }
            if (start > at)
            {
                yield return (hit.Snippet[at..start], false);
            }
            yield return (hit.Snippet.Substring(start, length), true);
            at = start + length;
        }
        if (at < hit.Snippet.Length)
        {
            yield return (hit.Snippet[at..], false);
        }
    }
}
