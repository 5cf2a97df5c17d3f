using ConvoCanvas.Ingest.Vault;
using Markdig;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;

namespace ConvoCanvas.Web.Components;

/// <summary>
/// A note's markdown as HTML for reading in the browser. Raw HTML in the note is shown as text,
/// never run; headings get the note's own anchors, so search results can open a note at a heading.
/// </summary>
internal static class NoteHtml
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseTaskLists()
        .UseAutoLinks()
        .DisableHtml()
        .Build();

    public static string Render(VaultNote note)
    {
        var document = Markdown.Parse(note.Body, Pipeline);
        var headings = document.Descendants<HeadingBlock>().ToList();
        // The parser found the same headings in the same order; give each the anchor search uses.
        for (var i = 0; i < headings.Count && i < note.Headings.Count; i++)
        {
            headings[i].GetAttributes().Id = note.Headings[i].Anchor;
        }
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }
}
