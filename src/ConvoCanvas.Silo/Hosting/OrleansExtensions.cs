using Orleans.Dashboard;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Grains;

namespace ConvoCanvas.Silo.Hosting;

public static class OrleansExtensions
{
    /// <summary>
    /// The silo. Clustering, grain storage, reminders and streams come from the
    /// <c>Orleans</c> configuration section (silo-config/), which Orleans reads itself.
    /// </summary>
    public static WebApplicationBuilder AddConvoCanvasOrleans(this WebApplicationBuilder builder)
    {
        builder.Services.AddConvoCanvasSerialization();
        builder.Services.AddConvoCanvasGrainServices();
        builder.UseOrleans(silo => silo.AddDashboard());
        return builder;
    }

    public static WebApplication MapConvoCanvasDashboard(this WebApplication app)
    {
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        return app;
    }
}
