using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace ConvoCanvas.Abstractions;

/// <summary>
/// The Ingest model (conversations, import errors) is plain C# with no Orleans attributes, so it
/// can be parsed, tested and fuzzed without Orleans. Orleans carries and stores it as JSON;
/// silo, client and test clusters must all register this.
/// </summary>
public static class ConvoCanvasSerialization
{
    /// <summary>The Ingest namespaces whose types cross grain boundaries: conversations and vault notes.</summary>
    public static IReadOnlySet<string> IngestNamespaces { get; } = new HashSet<string> { "ConvoCanvas.Ingest.Model", "ConvoCanvas.Ingest.Vault" };

    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = 256,
    };

    public static IServiceCollection AddConvoCanvasSerialization(this IServiceCollection services) =>
        services.AddSerializer(serializer => serializer.AddJsonSerializer(
            isSupported: type => type.Namespace is { } ns && IngestNamespaces.Contains(ns),
            JsonOptions));
}
