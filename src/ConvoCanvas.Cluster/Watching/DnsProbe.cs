using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ConvoCanvas.Cluster.Model;

namespace ConvoCanvas.Cluster.Watching;

/// <summary>
/// A DNS lookup made beside the snapshots: CoreDNS can report ready while lookups fail (the seed's DHCP change broke
/// the upstream it forwards to), so the health rule looks at an answer, not only at pods. Inside the cluster the name
/// is a service's (kubernetes.default.svc.cluster.local); outside, any name the host should resolve.
/// </summary>
public static class DnsProbe
{
    public const string InClusterName = "kubernetes.default.svc.cluster.local";

    public static async Task<DnsProbeResult> LookUpAsync(string name, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(name, limit.Token);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return addresses.Length == 0
                ? new DnsProbeResult(name, false, "no address in the answer", time.GetUtcNow())
                : new DnsProbeResult(name, true, $"{string.Join(", ", addresses.Take(3).Select(a => a.ToString()))} in {elapsed:F0} ms", time.GetUtcNow());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DnsProbeResult(name, false, $"no answer within {timeout.TotalSeconds:F0} s", time.GetUtcNow());
        }
        catch (SocketException e)
        {
            return new DnsProbeResult(name, false, $"{e.SocketErrorCode}: {e.Message}", time.GetUtcNow());
        }
        catch (ArgumentException e)
        {
            // A name the resolver refuses outright (too long, bad characters) is a failed lookup, said as such.
            return new DnsProbeResult(name, false, e.Message, time.GetUtcNow());
        }
    }
}
