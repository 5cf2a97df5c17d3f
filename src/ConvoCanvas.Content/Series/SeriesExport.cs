using System.Text;
using ConvoCanvas.Content.Text;

namespace ConvoCanvas.Content.Series;

/// <summary>A file of an export: its path relative to the export folder, and its text.</summary>
public sealed record ExportFile(string Path, string Content);

/// <summary>
/// A series as files for a static site or a vault: one markdown file per episode with front matter
/// (title, date, tags, series, episode, draft), an index of the series, and the posts. Paths are made
/// of slugs only, so an export stays inside its folder.
/// </summary>
public static class SeriesExport
{
    public static IReadOnlyList<string> Formats { get; } = ["hugo", "jekyll", "obsidian"];

    public static IReadOnlyList<ExportFile> Files(SeriesPlan series, IReadOnlyDictionary<int, EpisodeDraft> drafts, SeriesPosts? posts, string format)
    {
        if (!Formats.Contains(format))
        {
            throw new ArgumentException($"export format '{format}' is not one of {string.Join(", ", Formats)}");
        }
        var files = new List<ExportFile>();
        var names = new Dictionary<int, string>();
        foreach (var episode in series.Episodes)
        {
            var draft = drafts.GetValueOrDefault(episode.Number);
            var slug = $"{episode.Number:00}-{TextLength.Slug(episode.Title, 50)}";
            var path = format switch
            {
                "hugo" => $"content/posts/{series.Slug}/{slug}.md",
                "jekyll" => $"_posts/{EpisodeWriter.Day(episode.To)}-{series.Slug}-{slug}.md",
                _ => $"{series.Slug}/{slug}.md",
            };
            names[episode.Number] = slug;
            var body = draft?.Markdown ?? $"# {episode.Title}\n\n*Not drafted yet.*\n";
            if (format != "obsidian")
            {
                // Static sites take the title from the front matter.
                body = StripTitle(body);
            }
            if (format == "obsidian" && draft is not null)
            {
                body = LinkNoteFootnotes(body, draft);
            }
            if (format == "hugo")
            {
                // Shortcode syntax quoted from a note is shown, not run: Hugo's comment form prints it literally.
                body = body.Replace("{{<", "{{</*", StringComparison.Ordinal).Replace(">}}", "*/>}}", StringComparison.Ordinal)
                    .Replace("{{%", "{{%/*", StringComparison.Ordinal).Replace("%}}", "*/%}}", StringComparison.Ordinal);
            }
            files.Add(new ExportFile(path, FrontMatter(series, episode, draft, format) + body));
        }
        files.Add(new ExportFile(format switch
        {
            "hugo" => $"content/posts/{series.Slug}/_index.md",
            "jekyll" => $"{series.Slug}/index.md",
            _ => $"{series.Slug}/{series.Slug}.md",
        }, Index(series, names, format)));
        if (posts is not null)
        {
            files.Add(new ExportFile(format switch
            {
                "hugo" => $"content/posts/{series.Slug}/posts.md",
                "jekyll" => $"{series.Slug}/posts.md",
                _ => $"{series.Slug}/posts.md",
            }, PostsFile(series, posts, format)));
        }
        return files;
    }

    private static string FrontMatter(SeriesPlan series, EpisodePlan episode, EpisodeDraft? draft, string format)
    {
        var tags = PostWriter.Hashtags(episode.Sources, 6).Select(t => t.TrimStart('#').ToLowerInvariant());
        var text = new StringBuilder("---\n");
        if (format == "jekyll")
        {
            // Liquid in a quoted note ({{ }}, {% %}) is text, not template code.
            text.Append("layout: post\nrender_with_liquid: false\n");
        }
        text.Append("title: ").Append(Quote(episode.Title)).Append('\n');
        text.Append("date: ").Append(EpisodeWriter.Day(episode.To)).Append('\n');
        text.Append("tags: [").Append(string.Join(", ", tags.Select(Quote))).Append("]\n");
        text.Append("series: ").Append(Quote(series.Topic)).Append('\n');
        text.Append("episode: ").Append(episode.Number).Append('\n');
        // Only a model's draft is a candidate to publish; an extractive one, or none, is a draft.
        var isDraft = draft?.Kind != EpisodeDraft.ByModel;
        text.Append("draft: ").Append(isDraft ? "true" : "false").Append('\n');
        if (format == "jekyll" && isDraft)
        {
            // Jekyll publishes everything in _posts and reads no "draft"; this is its way to hold a post back.
            text.Append("published: false\n");
        }
        text.Append("---\n\n");
        return text.ToString();
    }

    /// <summary>
    /// In a vault, a footnote that cites a note also links it (<c>[[path|Title]]</c>), so the series exported into
    /// the vault it came from leads back to its sources in Obsidian's graph and backlinks.
    /// </summary>
    private static string LinkNoteFootnotes(string body, EpisodeDraft draft)
    {
        foreach (var citation in draft.Citations.Where(c => c.SourceId.StartsWith("note:", StringComparison.Ordinal)))
        {
            var definition = $"\n[^{citation.N}]: ";
            var at = body.IndexOf(definition, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }
            var end = body.IndexOf('\n', at + definition.Length);
            end = end < 0 ? body.Length : end;
            var target = citation.Path.EndsWith(".md", StringComparison.OrdinalIgnoreCase) ? citation.Path[..^3] : citation.Path;
            var title = citation.Title.Replace("|", "-", StringComparison.Ordinal).Replace("]]", ")", StringComparison.Ordinal);
            body = body.Insert(end, $" ([[{target.Replace("]]", ")", StringComparison.Ordinal)}|{title}]])");
        }
        return body;
    }

    private static string Index(SeriesPlan series, IReadOnlyDictionary<int, string> names, string format)
    {
        var text = new StringBuilder("---\n");
        text.Append("title: ").Append(Quote(series.Topic)).Append('\n');
        text.Append("series: ").Append(Quote(series.Topic)).Append('\n');
        text.Append("episodes: ").Append(series.Episodes.Count).Append('\n');
        text.Append("---\n\n");
        if (format == "obsidian")
        {
            text.Append("# ").Append(series.Topic).Append("\n\n");
        }
        foreach (var episode in series.Episodes)
        {
            var link = format switch
            {
                "obsidian" => $"[[{series.Slug}/{names[episode.Number]}|{episode.Title.Replace("|", "-", StringComparison.Ordinal).Replace("]]", ")", StringComparison.Ordinal)}]]",
                "hugo" => $"[{episode.Title}]({names[episode.Number]}/)",
                _ => $"{episode.Title}",
            };
            text.Append(episode.Number).Append(". ").Append(link).Append(" — ").Append(EpisodeWriter.Day(episode.From)).Append(" to ").Append(EpisodeWriter.Day(episode.To)).Append('\n');
        }
        return text.ToString();
    }

    private static string PostsFile(SeriesPlan series, SeriesPosts posts, string format)
    {
        var text = new StringBuilder("---\n");
        text.Append("title: ").Append(Quote($"Posts: {series.Topic}")).Append('\n');
        if (format != "obsidian")
        {
            text.Append(format == "jekyll" ? "draft: true\npublished: false\n" : "draft: true\n");
        }
        text.Append("---\n\n");
        void Set(string heading, PostSet set)
        {
            text.Append("## ").Append(heading).Append("\n\n");
            foreach (var (name, limit) in PostSet.Lengths)
            {
                var post = name switch { "short" => set.Short, "medium" => set.Medium, _ => set.Long };
                text.Append("### ").Append(name).Append(" (").Append(TextLength.Count(post)).Append(" of ").Append(limit).Append(" characters)\n\n");
                text.Append(post).Append("\n\n");
            }
        }
        Set("The season", posts.Season);
        foreach (var episode in series.Episodes)
        {
            if (posts.Episodes.TryGetValue(episode.Number, out var set))
            {
                Set($"Episode {episode.Number}: {episode.Title}", set);
            }
        }
        return text.ToString();
    }

    private static string StripTitle(string markdown) =>
        markdown.StartsWith("# ", StringComparison.Ordinal) && markdown.IndexOf('\n') is var end and > 0 ? markdown[(end + 1)..].TrimStart('\n') : markdown;

    /// <summary>A YAML double-quoted string.</summary>
    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).ReplaceLineEndings(" ") + "\"";
}
