using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Inference.Trace;

namespace ConvoCanvas.Inference.Tests;

public sealed class TraceTests
{
    private static readonly ModelCatalogue Catalogue = ModelCatalogue.Load(TestCatalogues.Shipped);

    [Fact]
    public void A_trace_reads_back_what_was_written_in_time_order()
    {
        var requests = new[]
        {
            new InferenceRequest(0, 500, "phi4", Priority.Background, 3000, 1200, 16384),
            new InferenceRequest(1, 0, "llama3.1:8b", Priority.Interactive, 800, 300, 4096),
            new InferenceRequest(2, 10, "nomic-embed-text", Priority.Batch, 16000, 0, 2048),
        };
        var text = new StringWriter();
        TraceFile.Write(text, requests);
        Assert.StartsWith("{\"t_ms\":500,\"model\":\"phi4\",\"priority\":\"background\",\"prompt_tokens\":3000,\"output_tokens\":1200,\"num_ctx\":16384}\n", text.ToString());

        var read = TraceFile.Read(new StringReader(text + "\n\n"), "t.jsonl", Catalogue);
        Assert.Equal(["llama3.1:8b", "nomic-embed-text", "phi4"], read.Select(r => r.Model));
        Assert.Equal([0, 1, 2], read.Select(r => r.Id));
        Assert.Equal(requests[0] with { Id = 2 }, read[2]);
    }

    [Fact]
    public void Malformed_lines_are_reported_by_line_number()
    {
        const string trace = """
            {"t_ms":0,"model":"llama3.1:8b","priority":"interactive","prompt_tokens":800,"output_tokens":300,"num_ctx":4096}
            {"t_ms":10,"model":"llama3.1:8b","priority":"interactive","prompt_tokens":800,"output_tokens":300
            {"t_ms":20,"model":"llama3.1:8b","priority":"urgent","prompt_tokens":800,"output_tokens":300,"num_ctx":4096}

            {"t_ms":-1,"model":"llama3.1:8b","priority":"batch","prompt_tokens":800,"output_tokens":300,"num_ctx":4096}
            [1,2]
            """;
        var error = Assert.Throws<InferenceInputException>(() => TraceFile.Read(new StringReader(trace), "day.jsonl"));
        Assert.StartsWith("trace 'day.jsonl': 4 bad lines: line 2: not a JSON object", error.Message);
        Assert.Contains("; line 3: \"priority\" must be \"interactive\", \"batch\" or \"background\"", error.Message);
        Assert.Contains("; line 5: \"t_ms\" is missing or not a whole number ≥ 0", error.Message);
        Assert.Contains("; line 6: not a JSON object", error.Message);
    }

    [Fact]
    public void Many_bad_lines_are_counted_beyond_the_first_ten()
    {
        var trace = string.Join('\n', Enumerable.Repeat("nonsense", 25));
        var error = Assert.Throws<InferenceInputException>(() => TraceFile.Read(new StringReader(trace), "x.jsonl"));
        Assert.StartsWith("trace 'x.jsonl': 25 bad lines: line 1:", error.Message);
        Assert.Contains("line 10:", error.Message);
        Assert.DoesNotContain("line 11:", error.Message);
        Assert.EndsWith("and 15 more bad lines", error.Message);
    }

    [Theory]
    [InlineData("""{"t_ms":0,"model":"llama9:8b","priority":"interactive","prompt_tokens":8,"output_tokens":3,"num_ctx":4096}""", "line 1: unknown model 'llama9:8b' (not in the catalogue)")]
    [InlineData("""{"t_ms":0,"model":"llama3.1:8b","priority":"interactive","prompt_tokens":8,"output_tokens":3,"num_ctx":131072}""", "line 1: num_ctx 131072 for 'llama3.1:8b' needs 22.5 GB (weights 4.9 GB + KV 17.2 GB + overhead 0.4 GB), more than the 17.2 GB the RTX 4080 offers")]
    [InlineData("""{"t_ms":0,"model":"mxbai-embed-large","priority":"batch","prompt_tokens":8,"output_tokens":0,"num_ctx":2048}""", "line 1: num_ctx 2048 for 'mxbai-embed-large' is more than its context length 512")]
    [InlineData("""{"t_ms":0,"model":"nomic-embed-text","priority":"batch","prompt_tokens":8,"output_tokens":5,"num_ctx":2048}""", "line 1: 'nomic-embed-text' does not generate")]
    public void Requests_the_catalogue_cannot_serve_are_errors_naming_file_and_line(string line, string expected)
    {
        var error = Assert.Throws<InferenceInputException>(() => TraceFile.Read(new StringReader(line), "mine.jsonl", Catalogue));
        Assert.StartsWith($"trace 'mine.jsonl': 1 bad line: {expected}", error.Message);
    }

    [Fact]
    public void The_generated_day_is_the_same_for_a_seed_and_fits_the_shipped_catalogue()
    {
        var day = new DayTraceGenerator(7).Generate();
        Assert.Equal(day, new DayTraceGenerator(7).Generate());
        Assert.NotEqual(day, new DayTraceGenerator(8).Generate());

        var text = new StringWriter();
        TraceFile.Write(text, day);
        Assert.Equal(day, TraceFile.Read(new StringReader(text.ToString()), "day.jsonl", Catalogue));

        // 25,000 chunks in requests of 64, all batch, to nomic-embed-text.
        var bulk = day.Where(r => r.Model == "nomic-embed-text" && r.Priority == Priority.Batch).ToList();
        Assert.Equal((DayTraceGenerator.BulkChunks + 63) / 64, bulk.Count);
        Assert.All(Enum.GetValues<Priority>(), p => Assert.Contains(day, r => r.Priority == p));
        Assert.True(day.Select(r => r.Model).Distinct().Count() >= 15);
        Assert.True(day.Count(r => r.Priority == Priority.Interactive) > 500);
        Assert.True(day.Max(r => r.TMs) < 24 * 3_600_000);
    }
}
