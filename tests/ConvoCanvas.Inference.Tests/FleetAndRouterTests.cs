using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Inference.Ollama;
using ConvoCanvas.Inference.Routing;

namespace ConvoCanvas.Inference.Tests;

public sealed class FleetAndRouterTests
{
    private static readonly GpuSpec Card = new("RTX 4080", 17_171_480_576);

    private static ModelFacts Facts(string name, long size, long kv = 131_072, int ctx = 8192, params string[] capabilities) =>
        new(name, size, "llama", "8B", "Q4_K_M", ctx, kv, capabilities.Length == 0 ? ["completion"] : capabilities);

    [Fact]
    public void The_fleet_catalogue_takes_installed_facts_shipped_speeds_and_measured_vram()
    {
        var shipped = new ModelCatalogue(Card, [new ModelSpec("llama3.1:8b", 1, 1, LoadSeconds: 2.45, PromptTokensPerSecond: 5000, TokensPerSecond: 95)]);
        var measured = new Dictionary<string, ModelMeasurement>
        {
            ["llama3.1:8b"] = new() { VramBytes = 4_900_000_000 + 131_072L * 4096 + 300_000_000, NumCtx = 4096 },
            ["mystery:7b"] = new() { LoadSeconds = 3.3, TokensPerSecond = 42 },
        };
        var catalogue = FleetCatalogue.Build(Card, [Facts("llama3.1:8b", 4_900_000_000), Facts("mystery:7b", 4_000_000_000, kv: 0), Facts("nomic-embed-text", 274_000_000, capabilities: "embedding")],
            shipped, measured, new HashSet<string> { "nomic-embed-text" });

        var llama = catalogue["llama3.1:8b"];
        Assert.Equal((2.45, 95.0, 4_900_000_000L), (llama.LoadSeconds, llama.TokensPerSecond, llama.FileBytes));
        Assert.Equal(300_000_000, llama.OverheadBytes);
        Assert.Equal(4_900_000_000 + 131_072L * 4096 + 300_000_000, VramEstimate.Of(llama, 4096).TotalBytes);

        var mystery = catalogue["mystery:7b"];
        Assert.Equal((3.3, 42.0), (mystery.LoadSeconds, mystery.TokensPerSecond));
        Assert.Equal(FleetCatalogue.DefaultKvBytesPerToken, mystery.KvBytesPerToken);

        var nomic = catalogue["nomic-embed-text"];
        Assert.Equal(0, nomic.TokensPerSecond);
        Assert.True(nomic.Pinned);
        Assert.Equal(0.5 + 274_000_000 / FleetCatalogue.LoadBytesPerSecond, nomic.LoadSeconds, 6);
    }

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Preferences = new Dictionary<string, IReadOnlyList<string>>
    {
        ["code"] = ["qwen2.5-coder:32b", "qwen2.5-coder:14b", "codellama:7b"],
        ["embed"] = ["nomic-embed-text"],
        ["chat"] = ["llama3.1:8b"],
    };

    [Fact]
    public void The_router_takes_the_first_preference_that_is_installed_able_and_fits()
    {
        RouteCandidate[] installed =
        [
            new("qwen2.5-coder:32b", true, false, 20_000_000_000, false, false),
            new("qwen2.5-coder:14b", true, false, 9_500_000_000, true, false),
            new("codellama:7b", true, false, 4_500_000_000, true, true),
        ];
        var choice = ModelRouter.Choose("code", 4096, Preferences, installed);
        Assert.Equal("qwen2.5-coder:14b", choice.Model);
        Assert.Contains("qwen2.5-coder:32b (needs 20.0 GB at num_ctx 4096)", choice.Reason);
    }

    [Fact]
    public void Without_a_preference_the_router_falls_back_to_a_loaded_model_then_the_largest()
    {
        RouteCandidate[] installed =
        [
            new("phi3:mini", true, false, 2_600_000_000, true, false),
            new("gemma2:9b", true, false, 6_000_000_000, true, false),
            new("mistral:7b", true, false, 4_500_000_000, true, true),
            new("nomic-embed-text", false, true, 400_000_000, true, true),
        ];
        Assert.Equal("mistral:7b", ModelRouter.Choose("chat", 4096, Preferences, installed).Model);
        Assert.Equal("gemma2:9b", ModelRouter.Choose("chat", 4096, Preferences, installed.Where(c => c.Name != "mistral:7b").ToList()).Model);
        Assert.Equal("nomic-embed-text", ModelRouter.Choose("embed", 4096, Preferences, installed).Model);
    }

    [Fact]
    public void When_nothing_fits_the_error_says_what_was_tried()
    {
        RouteCandidate[] installed = [new("qwen2.5-coder:14b", true, false, 30_000_000_000, false, false), new("nomic-embed-text", false, true, 1, true, false)];
        var error = Assert.Throws<RoutingException>(() => ModelRouter.Choose("code", 131_072, Preferences, installed));
        Assert.Equal(RoutingFailure.NothingFits, error.Failure);
        Assert.Contains("qwen2.5-coder:32b (not installed)", error.Message);
        Assert.Contains("qwen2.5-coder:14b (needs 30.0 GB at num_ctx 131072)", error.Message);
        Assert.Equal(RoutingFailure.UnknownKind, Assert.Throws<RoutingException>(() => ModelRouter.Choose("poetry", 4096, Preferences, installed)).Failure);
    }
}
