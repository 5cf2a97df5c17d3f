using System.Net;
using ConvoCanvas.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace ConvoCanvas.Integration.Tests.Persistence;

/// <summary>Silos and clients wired to PostgreSQL through the Orleans ADO.NET providers.</summary>
internal static class OrleansTestHost
{
    public const string ServiceId = "convocanvas-tests";
    public const string Invariant = "Npgsql";

    public static async Task<TestSilo> StartSiloAsync(string connectionString, string clusterId)
    {
        var siloPort = PostgresServer.FreeTcpPort();
        var gatewayPort = PostgresServer.FreeTcpPort();
        var host = new HostBuilder()
            .UseOrleans(silo =>
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = ServiceId;
                });
                silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort);
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = Invariant;
                    o.ConnectionString = connectionString;
                });
                silo.AddAdoNetGrainStorage("Default", o =>
                {
                    o.Invariant = Invariant;
                    o.ConnectionString = connectionString;
                });
                silo.AddAdoNetGrainStorage("Deleting", o =>
                {
                    o.Invariant = Invariant;
                    o.ConnectionString = connectionString;
                    o.DeleteStateOnClear = true;
                });
                silo.UseAdoNetReminderService(o =>
                {
                    o.Invariant = Invariant;
                    o.ConnectionString = connectionString;
                });
                silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            })
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddConsole())
            .Build();
        await host.StartAsync();
        return new TestSilo(host, siloPort, gatewayPort);
    }

    public static async Task<IHost> StartClientAsync(string connectionString, string clusterId)
    {
        var host = new HostBuilder()
            .UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = ServiceId;
                });
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = Invariant;
                    o.ConnectionString = connectionString;
                });
            })
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddConsole())
            .Build();
        await host.StartAsync();
        return host;
    }
}

internal sealed class TestSilo(IHost host, int siloPort, int gatewayPort) : IAsyncDisposable
{
    public IHost Host { get; } = host;
    public int SiloPort { get; } = siloPort;
    public int GatewayPort { get; } = gatewayPort;
    public IServiceProvider Services => Host.Services;
    public IGrainFactory GrainFactory => Services.GetRequiredService<IGrainFactory>();

    public async Task StopAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Host.StopAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            Host.Dispose();
        }
    }
}
