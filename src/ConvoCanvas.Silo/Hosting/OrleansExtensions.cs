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
        builder.Services.Configure<ConvoCanvas.Grains.Vaults.VaultOptions>(builder.Configuration.GetSection("ConvoCanvas:Vaults"));
        builder.UseOrleans(silo =>
        {
            silo.AddSearchReconciliationAtStart();
            silo.AddClusterWatchAtStart();
            if (DashboardEnabled(builder.Configuration))
            {
                silo.AddDashboard();
            }
        });
        return builder;
    }

    public static WebApplication MapConvoCanvasDashboard(this WebApplication app)
    {
        if (DashboardEnabled(app.Configuration))
        {
            app.MapOrleansDashboard(routePrefix: "/dashboard");
        }
        return app;
    }

    /// <summary>On by default; the Dashboard profiles every grain call, which costs throughput in bulk work.</summary>
    private static bool DashboardEnabled(IConfiguration configuration) => configuration.GetValue("ConvoCanvas:Dashboard", true);
}
