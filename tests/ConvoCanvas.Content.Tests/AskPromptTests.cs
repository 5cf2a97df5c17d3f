using ConvoCanvas.Content.Ask;

namespace ConvoCanvas.Content.Tests;

public sealed class AskPromptTests
{
    private static readonly EvidencePassage[] Evidence =
    [
        new(1, "Orleans notes", "notes/orleans.md › Grains", new DateTimeOffset(2025, 10, 1, 0, 0, 0, TimeSpan.Zero), "Grains are virtual actors. " + new string('x', 4_000)),
        new(2, "Chat about silos", "chatgpt conversation, message 4", null, "A silo hosts grains."),
    ];

    [Fact]
    public void The_prompt_numbers_the_evidence_and_ends_with_the_question()
    {
        var prompt = new AskPrompt().Build("What are grains?", Evidence, 8_192);
        Assert.Contains("[1] Orleans notes (notes/orleans.md › Grains, 2025-10-01)\nGrains are virtual actors.", prompt);
        Assert.Contains("[2] Chat about silos (chatgpt conversation, message 4)\nA silo hosts grains.", prompt);
        Assert.True(prompt.IndexOf("[1]", StringComparison.Ordinal) < prompt.IndexOf("[2]", StringComparison.Ordinal));
        Assert.EndsWith("Question: What are grains?\nAnswer with [n] citations:", prompt);
        // A long passage is cut at a word, marked.
        Assert.Contains("…", prompt);
        Assert.DoesNotContain(new string('x', 1_600), prompt);
    }

    [Theory]
    [InlineData(2_048)]
    [InlineData(4_096)]
    [InlineData(8_192)]
    public void The_prompt_and_the_answer_fit_the_context(int context)
    {
        var many = Enumerable.Range(1, 8).Select(n => new EvidencePassage(n, $"Note {n}", $"notes/{n}.md", null, string.Join(' ', Enumerable.Repeat("word", 600)))).ToList();
        var builder = new AskPrompt();
        var prompt = builder.Build("What do the notes say?", many, context);
        var used = AskPrompt.EstimateTokens(AskPrompt.System) + AskPrompt.EstimateTokens(prompt) + builder.AnswerTokens;
        // Each passage keeps at least 80 characters, so a tiny context may be exceeded by that floor only.
        Assert.True(used <= Math.Max(context, builder.AnswerTokens + 8 * 60), $"{used} tokens for a context of {context}");
        Assert.All(Enumerable.Range(1, 8), n => Assert.Contains($"[{n}] Note {n}", prompt));
    }

    [Fact]
    public void The_context_asked_for_is_a_power_of_two_that_holds_prompt_and_answer()
    {
        var builder = new AskPrompt();
        Assert.Equal(4_096, builder.ContextFor("q", Evidence[1..]));
        var many = Enumerable.Range(1, 8).Select(n => new EvidencePassage(n, $"Note {n}", "p", null, new string('w', 1_500))).ToList();
        Assert.Equal(8_192, builder.ContextFor("q", many));
    }

    [Fact]
    public void Without_a_model_the_answer_quotes_the_best_passages_with_their_citations()
    {
        var answer = ExtractiveAnswer.Build(Evidence, "Ollama is not reachable at http://127.0.0.1:11434/.");
        Assert.StartsWith("No model could write an answer (Ollama is not reachable at http://127.0.0.1:11434/).", answer);
        Assert.Contains("> A silo hosts grains. [2]", answer);
        var (_, used, removed) = CitationFilter.Clean(answer, Evidence.Length);
        Assert.Equal([1, 2], used);
        Assert.Equal(0, removed);
    }

    [Fact]
    public void A_quoted_passage_cut_inside_a_code_block_does_not_swallow_the_citations_after_it()
    {
        // As in a real Claude.ai export: a message with a fenced block, cut by the quote's length limit.
        EvidencePassage[] evidence =
        [
            new(1, "Debugging", "c1", null, "How do I debug `my_func`?"),
            new(2, "Python", "c2", null, "Here's an example:\n\n```python\ndef greet(name):\n    return f\"Hi {name}\"\n" + new string('#', 400) + "\n```\nDone."),
            new(3, "API", "c3", null, "Use `items[0]` and an odd ` tick."),
        ];
        var answer = ExtractiveAnswer.Build(evidence, "no model");

        var (_, used, removed) = CitationFilter.Clean(answer, evidence.Length);
        Assert.Equal([1, 2, 3], used);
        Assert.Equal(0, removed);
        Assert.DoesNotContain("```", answer);
        Assert.Contains("> Here's an example:   def greet(name):", answer);
        Assert.Contains("Use `items(0)` and an odd  tick. [3]", answer);
    }

    [Theory]
    [InlineData("👩‍💻👩‍💻👩‍💻👩‍💻👩‍💻👩‍💻👩‍💻👩‍💻", 12)]
    [InlineData("e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301", 9)]
    [InlineData("🇵🇹🇵🇹🇵🇹🇵🇹🇵🇹🇵🇹", 10)]
    public void Shortening_text_with_no_spaces_never_splits_a_character(string text, int max)
    {
        var shortened = AskPrompt.Shorten(text, max);
        Assert.EndsWith("…", shortened);
        Assert.True(shortened.Length <= max, shortened);
        var kept = shortened[..^1];
        Assert.StartsWith(kept, text, StringComparison.Ordinal);
        // Cut where a character starts: no half emoji, no letter without its accent.
        var starts = new List<int>();
        for (var at = 0; at < text.Length; at += System.Globalization.StringInfo.GetNextTextElementLength(text, at))
        {
            starts.Add(at);
        }
        Assert.Contains(kept.Length, starts);
    }
}
