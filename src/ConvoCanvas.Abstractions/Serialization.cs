using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;

namespace ConvoCanvas.Abstractions;

/// <summary>
/// The Ingest model (conversations, vault notes, import errors) and the Cluster model (snapshots) are
/// plain, immutable C# with no Orleans attributes, so they can be parsed, tested and fuzzed without
/// Orleans. Orleans carries and stores them as JSON; silo, client and test clusters must all register this.
/// </summary>
public static class ConvoCanvasSerialization
{
    /// <summary>The library namespaces whose types cross grain boundaries (all immutable records).</summary>
    public static IReadOnlySet<string> LibraryNamespaces { get; } = new HashSet<string> { "ConvoCanvas.Ingest.Model", "ConvoCanvas.Ingest.Vault", "ConvoCanvas.Cluster.Model", "ConvoCanvas.Cluster.Health", "ConvoCanvas.Cluster.Watching", "ConvoCanvas.Content.Series" };

    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = 256,
    };

    public static bool IsLibraryType(Type type) => type.Namespace is { } ns && LibraryNamespaces.Contains(ns);

    public static IServiceCollection AddConvoCanvasSerialization(this IServiceCollection services)
    {
        services.AddSerializer(serializer => serializer.AddJsonSerializer(
            isSerializable: IsLibraryType,
            isCopyable: null,
            configureOptions: options => options.Configure(o => o.SerializerOptions = JsonOptions)));
        services.AddSingleton<IGeneralizedCopier, LibraryModelCopier>();
        return services;
    }

    /// <summary>
    /// Ingest records are immutable (init-only members, read-only lists), so a grain call inside the
    /// silo can hand over the same instance instead of a JSON round trip: a profile of a bulk import
    /// spent a twentieth of the silo's CPU copying conversations this way.
    /// </summary>
    private sealed class LibraryModelCopier : IGeneralizedCopier
    {
        public bool IsSupportedType(Type type) => IsLibraryType(type);

        public object? DeepCopy(object? input, CopyContext context) => input;
    }
}
