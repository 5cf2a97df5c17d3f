using ConvoCanvas.Inference.Catalogue;

namespace ConvoCanvas.Inference.Tests;

public sealed class CatalogueTests
{
    [Fact]
    public void The_shipped_catalogue_holds_the_17_models_with_the_known_sizes()
    {
        var catalogue = ModelCatalogue.Load(TestCatalogues.Shipped);
        Assert.Equal("RTX 4080", catalogue.Gpu.Name);
        Assert.Equal(17_171_480_576, catalogue.Gpu.VramBytes);
        Assert.Equal(17, catalogue.Models.Count);
        Assert.Equal(4_900_000_000, catalogue["llama3.1:8b"].FileBytes);
        Assert.Equal(128 * 1024 * 1024 / 1024, catalogue["llama3.1:8b"].KvBytesPerToken);
        Assert.Equal(9_100_000_000, catalogue["phi4"].FileBytes);
        Assert.Equal(0, catalogue["nomic-embed-text"].TokensPerSecond);
        Assert.All(catalogue.Models, m => Assert.True(m.LoadSeconds > 0 && m.PromptTokensPerSecond > 0));
    }

    [Fact]
    public void Vram_estimate_is_weights_plus_kv_for_the_context_plus_overhead()
    {
        var model = new ModelSpec("m", 4_900_000_000, 131_072, 2.5, 5000, 100, OverheadBytes: 400_000_000);
        var estimate = VramEstimate.Of(model, 8192);
        Assert.Equal(4_900_000_000 + 131_072L * 8192 + 400_000_000, estimate.TotalBytes);
        Assert.Equal(1_073_741_824, estimate.KvBytes);
        Assert.Equal("6.4 GB (weights 4.9 GB + KV 1.1 GB + overhead 0.4 GB)", estimate.ToString());
    }

    [Fact]
    public void A_missing_field_names_the_file_the_model_and_the_field()
    {
        const string json = """
            {"gpu":{"name":"RTX 4080","vram_bytes":17171480576},
             "models":[{"name":"a","file_bytes":1000,"kv_bytes_per_token":10,"load_seconds":1,"prompt_tokens_per_s":100,"tokens_per_s":10},
                       {"name":"phi4","kv_bytes_per_token":10,"load_seconds":1,"prompt_tokens_per_s":100,"tokens_per_s":10}]}
            """;
        var error = Assert.Throws<InferenceInputException>(() => ModelCatalogue.Parse(json, "mine.json"));
        Assert.Equal("catalogue 'mine.json': model 2 ('phi4'): \"file_bytes\" is missing or not a positive whole number", error.Message);
    }

    [Theory]
    [InlineData("{", "catalogue 'c.json': not valid JSON")]
    [InlineData("""{"models":[]}""", "catalogue 'c.json': \"gpu\" is missing")]
    [InlineData("""{"gpu":{"name":"x","vram_bytes":1000},"models":[]}""", "catalogue 'c.json': \"models\" is empty")]
    [InlineData("""{"gpu":{"name":"x","vram_bytes":-5},"models":[]}""", "catalogue 'c.json': gpu: \"vram_bytes\"")]
    [InlineData("""{"gpu":{"name":"x","vram_bytes":100000},"models":[{"name":"a","file_bytes":10,"kv_bytes_per_token":1,"load_seconds":1,"prompt_tokens_per_s":1,"tokens_per_s":1,"overhead_bytes":0},{"name":"a","file_bytes":10,"kv_bytes_per_token":1,"load_seconds":1,"prompt_tokens_per_s":1,"tokens_per_s":1,"overhead_bytes":0}]}""", "catalogue 'c.json': model 2 ('a'): the name appears twice")]
    [InlineData("""{"gpu":{"name":"x","vram_bytes":100000},"models":[{"name":"a","file_bytes":10,"kv_bytes_per_token":1,"load_seconds":"slow","prompt_tokens_per_s":1,"tokens_per_s":1}]}""", "catalogue 'c.json': model 1 ('a'): \"load_seconds\"")]
    public void Bad_catalogues_are_refused_with_the_reason(string json, string expected)
    {
        var error = Assert.Throws<InferenceInputException>(() => ModelCatalogue.Parse(json, "c.json"));
        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void A_model_larger_than_the_card_is_refused_by_name()
    {
        const string json = """
            {"gpu":{"name":"RTX 4080","vram_bytes":17171480576},
             "models":[{"name":"llama3.1:70b","file_bytes":42500000000,"kv_bytes_per_token":327680,"load_seconds":20,"prompt_tokens_per_s":500,"tokens_per_s":5}]}
            """;
        var error = Assert.Throws<InferenceInputException>(() => ModelCatalogue.Parse(json, "big.json"));
        Assert.StartsWith("catalogue 'big.json': model 1 ('llama3.1:70b'): needs 43.1 GB", error.Message);
        Assert.Contains("more than the 17.2 GB the RTX 4080 offers", error.Message);
    }

    [Fact]
    public void A_catalogue_that_cannot_be_read_says_where()
    {
        var error = Assert.Throws<InferenceInputException>(() => ModelCatalogue.Load("/nonexistent/cat.json"));
        Assert.StartsWith("catalogue '/nonexistent/cat.json': cannot be read", error.Message);
    }
}
