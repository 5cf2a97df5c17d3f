using k8s;

namespace ConvoCanvas.Cluster.Watching;

/// <summary>Builds the KubernetesClient for <see cref="ClusterConnectionOptions"/>.</summary>
public static class ClusterClientFactory
{
    public const string NotConfiguredMessage =
        "no cluster configured: set ConvoCanvas:Cluster:Kubeconfig (and :Context) to a kubeconfig file, :Url to an API server address, or :InCluster to true inside a pod";

    /// <summary>
    /// The client configuration, or null when no cluster is configured. A configuration that names a cluster but
    /// cannot be used (a missing kubeconfig, in-cluster outside a pod) throws <see cref="InvalidOperationException"/>
    /// saying which setting and what to do.
    /// </summary>
    public static KubernetesClientConfiguration? BuildConfiguration(ClusterConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var url = string.IsNullOrWhiteSpace(options.Url) ? null : options.Url.Trim();
        if (!string.IsNullOrWhiteSpace(options.Kubeconfig))
        {
            var path = Path.GetFullPath(Environment.ExpandEnvironmentVariables(options.Kubeconfig.Replace("~", Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), StringComparison.Ordinal)));
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"ConvoCanvas:Cluster:Kubeconfig '{options.Kubeconfig}': no such file ({path}); point it at a kubeconfig, e.g. ~/.kube/config");
            }
            try
            {
                return KubernetesClientConfiguration.BuildConfigFromConfigFile(path, string.IsNullOrWhiteSpace(options.Context) ? null : options.Context, url);
            }
            catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or k8s.Exceptions.KubernetesClientException or IOException or ArgumentException or YamlDotNet.Core.YamlException)
            {
                throw new InvalidOperationException($"ConvoCanvas:Cluster:Kubeconfig '{path}'{(options.Context is null ? "" : $" context '{options.Context}'")}: {e.Message}", e);
            }
        }
        if (url is not null)
        {
            return new KubernetesClientConfiguration { Host = url };
        }
        if (options.InCluster)
        {
            if (!KubernetesClientConfiguration.IsInCluster())
            {
                throw new InvalidOperationException("ConvoCanvas:Cluster:InCluster is true but this process is not in a Kubernetes pod (no KUBERNETES_SERVICE_HOST or service-account token); set :Kubeconfig or :Url instead");
            }
            return KubernetesClientConfiguration.InClusterConfig();
        }
        return null;
    }

    /// <summary>The client, or null when no cluster is configured (see <see cref="NotConfiguredMessage"/>).</summary>
    public static Kubernetes? Create(ClusterConnectionOptions options) =>
        BuildConfiguration(options) is { } configuration ? new Kubernetes(configuration) : null;
}
