using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;

namespace ConvoCanvas.Abstractions;

/// <summary>
/// The Ingest model (conversations, vault notes, import errors) is plain C# with no Orleans
/// attributes, so it can be parsed, tested and fuzzed without Orleans. Orleans carries and stores
/// it as JSON; silo, client and test clusters must all register this.
/// </summary>
public static class ConvoCanvasSerialization
{
    /// <summary>The Ingest namespaces whose types cross grain boundaries.</summary>
    public static IReadOnlySet<string> IngestNamespaces { get; } = new HashSet<string> { "ConvoCanvas.Ingest.Model", "ConvoCanvas.Ingest.Vault" };

    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = 256,
    };

    public static bool IsIngestType(Type type) => type.Namespace is { } ns && IngestNamespaces.Contains(ns);

    public static IServiceCollection AddConvoCanvasSerialization(this IServiceCollection services)
    {
        services.AddSerializer(serializer => serializer.AddJsonSerializer(
            isSerializable: IsIngestType,
            isCopyable: null,
            configureOptions: options => options.Configure(o => o.SerializerOptions = JsonOptions)));
        services.AddSingleton<IGeneralizedCopier, IngestModelCopier>();
        return services;
    }

    /// <summary>
    /// Ingest records are immutable (init-only members, read-only lists), so a grain call inside the
    /// silo can hand over the same instance instead of a JSON round trip: a profile of a bulk import
    /// spent a twentieth of the silo's CPU copying conversations this way.
    /// </summary>
    private sealed class IngestModelCopier : IGeneralizedCopier
    {
        public bool IsSupportedType(Type type) => IsIngestType(type);

        public object? DeepCopy(object? input, CopyContext context) => input;
    }
}
