using ConvoCanvas.Abstractions;
using ConvoCanvas.Grains.Catalog;
using ConvoCanvas.Silo.Persistence;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace ConvoCanvas.Silo.Hosting;

public static class PersistenceExtensions
{
    /// <summary>The PostgreSQL data source, the catalogue, and the migrations (applied before the silo starts).</summary>
    public static WebApplicationBuilder AddConvoCanvasPersistence(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("convocanvas")
            ?? throw new InvalidOperationException("ConnectionStrings:convocanvas is not set (CONVOCANVAS_PG or silo-config/appsettings*.json)");
        builder.Services.AddSingleton(_ =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(connectionString);
            // Npgsql's default (100) is PostgreSQL's whole default max_connections: leave room for
            // clustering, reminders and the other silos unless the connection string says otherwise.
            if (!connectionString.Contains("Maximum Pool Size", StringComparison.OrdinalIgnoreCase)
                && !connectionString.Contains("MaxPoolSize", StringComparison.OrdinalIgnoreCase))
            {
                dataSource.ConnectionStringBuilder.MaxPoolSize = 30;
            }
            return dataSource.Build();
        });

        // Grain state in Orleans' binary format (see GrainStateSerializer), on the catalogue's connection pool.
        foreach (var storage in new[] { ProviderNames.Storage, "PubSubStore" })
        {
            builder.Services.AddOptions<AdoNetGrainStorageOptions>(storage)
                .PostConfigure<IServiceProvider>((options, services) =>
                {
                    options.GrainStorageSerializer = ActivatorUtilities.CreateInstance<GrainStateSerializer>(services);
                    options.DataSource = services.GetRequiredService<NpgsqlDataSource>();
                    options.ConnectionString = null;
                });
        }

        if (string.Equals(builder.Configuration["ConvoCanvas:Catalog"], "Memory", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddSingleton<IConversationCatalog, InMemoryConversationCatalog>();
        }
        else
        {
            builder.Services.AddSingleton<IConversationCatalog, PostgresConversationCatalog>();
        }
        return builder;
    }

    public static async Task MigrateConvoCanvasDatabaseAsync(this WebApplication app)
    {
        var migrator = new PostgresMigrator(
            app.Configuration.GetConnectionString("convocanvas")!,
            PostgresMigrator.DefaultMigrationsFolder,
            app.Services.GetRequiredService<ILogger<PostgresMigrator>>());
        await migrator.MigrateAsync(app.Lifetime.ApplicationStopping);
    }
}
