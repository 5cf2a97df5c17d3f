namespace ConvoCanvas.Silo.Hosting;

public static class ConfigurationExtensions
{
    /// <summary>
    /// Reads silo-config/appsettings{,.Environment}.json from beside the binary, then the short
    /// CONVOCANVAS_* environment variables the scripts set, then the usual .NET overrides.
    /// </summary>
    public static WebApplicationBuilder AddConvoCanvasConfiguration(this WebApplicationBuilder builder)
    {
        var configDir = Path.Combine(AppContext.BaseDirectory, "silo-config");
        var environment = builder.Environment.EnvironmentName;
        builder.Configuration
            .AddJsonFile(Path.Combine(configDir, "appsettings.json"), optional: false, reloadOnChange: false)
            .AddJsonFile(Path.Combine(configDir, $"appsettings.{environment}.json"), optional: true, reloadOnChange: false)
            .AddInMemoryCollection(ShortEnvironmentVariables())
            .AddEnvironmentVariables()
            .AddCommandLine(Environment.GetCommandLineArgs().Skip(1).ToArray());

        var host = builder.Configuration["ConvoCanvas:Http:Host"] ?? "127.0.0.1";
        var port = builder.Configuration["ConvoCanvas:Http:Port"] ?? "5080";
        builder.WebHost.UseUrls($"http://{host}:{port}");
        // A pasted paragraph is a fair search query: let long GET /api/search URLs reach the API,
        // which answers them (cut, with a warning) instead of Kestrel's bare 414.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestLineSize = 64 * 1024);
        return builder;
    }

    /// <summary>The environment variables documented in the README, mapped onto configuration keys.</summary>
    private static IEnumerable<KeyValuePair<string, string?>> ShortEnvironmentVariables()
    {
        var map = new Dictionary<string, string>
        {
            ["CONVOCANVAS_HTTP_PORT"] = "ConvoCanvas:Http:Port",
            ["CONVOCANVAS_HTTP_HOST"] = "ConvoCanvas:Http:Host",
            ["CONVOCANVAS_PG"] = "ConnectionStrings:convocanvas",
            ["CONVOCANVAS_SILO_PORT"] = "Orleans:Endpoints:SiloPort",
            ["CONVOCANVAS_GATEWAY_PORT"] = "Orleans:Endpoints:GatewayPort",
            ["CONVOCANVAS_CLUSTER_ID"] = "Orleans:ClusterId",
            ["CONVOCANVAS_CHROMA"] = "ConvoCanvas:Search:ChromaUrl",
            ["CONVOCANVAS_OLLAMA"] = "ConvoCanvas:Models:OllamaUrl",
            ["CONVOCANVAS_KUBECONFIG"] = "ConvoCanvas:Cluster:Kubeconfig",
            ["CONVOCANVAS_K8S_URL"] = "ConvoCanvas:Cluster:Url",
            ["CONVOCANVAS_MERMAID"] = "ConvoCanvas:Web:MermaidScript",
        };
        foreach (var (variable, key) in map)
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
            {
                yield return new(key, value);
            }
        }
    }
}
