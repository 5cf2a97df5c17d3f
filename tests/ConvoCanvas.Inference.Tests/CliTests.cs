using ConvoCanvas.Cli.Commands;
using ConvoCanvas.Inference.Trace;

namespace ConvoCanvas.Inference.Tests;

/// <summary>The logic behind <c>convocanvas models simulate</c>, in process (it needs no silo).</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("convocanvas-sim-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Simulate_runs_both_policies_on_the_same_trace_file()
    {
        var trace = Path.Combine(_folder, "t.jsonl");
        File.WriteAllText(trace, """
            {"t_ms":0,"model":"llama3.1:8b","priority":"interactive","prompt_tokens":800,"output_tokens":300,"num_ctx":4096}
            {"t_ms":1000,"model":"llama3.1:8b","priority":"interactive","prompt_tokens":800,"output_tokens":300,"num_ctx":2048}
            {"t_ms":2000,"model":"nomic-embed-text","priority":"batch","prompt_tokens":16000,"output_tokens":0,"num_ctx":2048}
            """);
        var reports = ModelsCommand.Run(TestCatalogues.Shipped, trace, 1, "both");
        Assert.Equal(["convocanvas", "ollama"], reports.Select(r => r.Policy));
        Assert.All(reports, r => Assert.Equal((3, 3), (r.Requests, r.Served)));
        Assert.Equal(2, reports[0].Loads);
        Assert.Equal(3, reports[1].Loads); // Ollama reloads llama3.1:8b for num_ctx 2048
    }

    [Fact]
    public void Bad_input_names_the_file_and_the_line()
    {
        var trace = Path.Combine(_folder, "bad.jsonl");
        File.WriteAllText(trace, "{\"t_ms\":0,\"model\":\"gpt-9\",\"priority\":\"interactive\",\"prompt_tokens\":1,\"output_tokens\":1,\"num_ctx\":512}\n");
        var error = Assert.Throws<InferenceInputException>(() => ModelsCommand.Run(TestCatalogues.Shipped, trace, 1, "ollama"));
        Assert.Equal("trace 'bad.jsonl': 1 bad line: line 1: unknown model 'gpt-9' (not in the catalogue)", error.Message);
        Assert.Throws<InferenceInputException>(() => ModelsCommand.Run(Path.Combine(_folder, "none.json"), trace, 1, "ollama"));
    }

    [Fact]
    public void Without_a_trace_it_simulates_the_generated_day()
    {
        var reports = ModelsCommand.Run(TestCatalogues.Shipped, null, 3, "convocanvas");
        var day = new DayTraceGenerator(3).Generate();
        Assert.Equal(day.Count, reports.Single().Requests);
        Assert.Equal(day.Count, reports.Single().Served);
        Assert.Equal(0, reports.Single().Overcommits);
    }
}
