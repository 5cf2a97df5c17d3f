using System.Net;
using ConvoCanvas.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace ConvoCanvas.Integration.Tests.Silo;

/// <summary>An Orleans client on a silo's gateway, configured like the CLI's.</summary>
internal sealed class OrleansGatewayClient : IAsyncDisposable
{
    private readonly IHost _host;

    private OrleansGatewayClient(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public static async Task<OrleansGatewayClient> ConnectAsync(int gatewayPort)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddConvoCanvasSerialization();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort));
            client.Configure<ClusterOptions>(o => { o.ClusterId = "convocanvas"; o.ServiceId = "convocanvas"; });
        });
        var host = builder.Build();
        await host.StartAsync();
        return new OrleansGatewayClient(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(5));
        _host.Dispose();
    }
}
