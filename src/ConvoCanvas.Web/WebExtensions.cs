using ConvoCanvas.Web.Api;
using ConvoCanvas.Web.Components;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ConvoCanvas.Web;

public static class WebExtensions
{
    /// <summary>Largest upload accepted by POST /api/imports and the Import page.</summary>
    public const long MaxUploadBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>The web front end (Blazor, interactive server rendering) and the REST API, co-hosted in the silo.</summary>
    public static IHostApplicationBuilder AddConvoCanvasWeb(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = MaxUploadBytes);
        builder.Services.AddSingleton<UploadImporter>();
        builder.Services.AddProblemDetails();
        return builder;
    }

    public static WebApplication MapConvoCanvasApi(this WebApplication app)
    {
        app.MapConversationsApi();
        app.MapImportsApi();
        app.MapVaultsApi();
        app.MapSearchApi();
        app.MapModelsApi();
        app.MapClusterApi();
        app.MapAskApi();
        app.MapSeriesApi();
        return app;
    }

    public static WebApplication MapConvoCanvasWeb(this WebApplication app)
    {
        app.UseAntiforgery();
        app.MapStaticAssets();
        // The Mermaid renderer the Cluster page loads on demand: a file the scripts fetch from npm (CONVOCANVAS_MERMAID).
        app.MapGet("/lib/mermaid.min.js", (Microsoft.Extensions.Configuration.IConfiguration configuration) =>
            configuration["ConvoCanvas:Web:MermaidScript"] is { Length: > 0 } path && File.Exists(path)
                ? Microsoft.AspNetCore.Http.Results.File(Path.GetFullPath(path), "text/javascript")
                : Microsoft.AspNetCore.Http.Results.NotFound());
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
