using System.Net;
using System.Net.Sockets;
using ConvoCanvas.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace ConvoCanvas.Cli;

/// <summary>An Orleans client connected to one silo's gateway for the life of a command.</summary>
internal sealed class GatewayConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private GatewayConnection(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public static async Task<GatewayConnection> ConnectAsync(string gateway, string clusterId, CancellationToken cancellationToken)
    {
        var endpoint = await ResolveAsync(gateway, cancellationToken);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddConvoCanvasSerialization();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(endpoint);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "convocanvas";
            });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(5));
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            host.Dispose();
            throw new CliException($"cannot reach the ConvoCanvas silo at {gateway}: {ex.Message} (is it running? ./scripts/up.sh --detach)");
        }
        return new GatewayConnection(host);
    }

    private static async Task<IPEndPoint> ResolveAsync(string gateway, CancellationToken cancellationToken)
    {
        var colon = gateway.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(gateway[(colon + 1)..], out var port) || port is < 1 or > 65535)
        {
            throw new CliException($"--gateway '{gateway}' is not host:port");
        }
        var host = gateway[..colon];
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.First();
            return new IPEndPoint(chosen, port);
        }
        catch (SocketException ex)
        {
            throw new CliException($"--gateway host '{host}' does not resolve: {ex.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _host.Dispose();
        }
    }
}

/// <summary>An error the user can act on; printed as one line, exit code 1.</summary>
internal sealed class CliException(string message) : Exception(message);
