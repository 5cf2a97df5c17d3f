namespace ConvoCanvas.Abstractions;

/// <summary>Provider names the silo configuration (silo-config/appsettings*.json) must define.</summary>
public static class ProviderNames
{
    /// <summary>Grain state: PostgreSQL through ADO.NET in Development and Production.</summary>
    public const string Storage = "Default";

    /// <summary>The stream provider that carries change events.</summary>
    public const string Streams = "changes";
}

/// <summary>Stream namespaces. Each change goes to one of <see cref="Partitions"/> streams so consumers can scale out.</summary>
public static class StreamNamespaces
{
    public const string Conversations = "conversations";
    public const string Documents = "documents";

    /// <summary>Cluster snapshots, one stream per watched cluster, keyed by the cluster's name.</summary>
    public const string Cluster = "cluster";
    public const int Partitions = 16;

    /// <summary>The partition a key's events go to; stable across processes (not string.GetHashCode).</summary>
    public static int PartitionOf(string key)
    {
        uint hash = 2166136261;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619;
        }
        return (int)(hash % Partitions);
    }
}
