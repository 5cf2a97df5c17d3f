using ConvoCanvas.Abstractions;
using ConvoCanvas.Grains.Vaults;
using ConvoCanvas.Silo.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace ConvoCanvas.Integration.Tests.Persistence;

public sealed class GrainStateSerializerTests
{
    /// <summary>A silo's services, built but not started: the serializers as the silo has them.</summary>
    private static IHost Services()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddConvoCanvasSerialization();
        builder.UseOrleans(silo => silo.UseLocalhostClustering());
        return builder.Build();
    }

    [Fact]
    public void State_is_written_in_the_binary_format_and_read_back()
    {
        using var host = Services();
        var services = host.Services;
        var serializer = ActivatorUtilities.CreateInstance<GrainStateSerializer>(services);
        var state = new VaultRegistryState { Names = new(StringComparer.Ordinal) { "notes", "work" } };

        var data = serializer.Serialize(state);

        Assert.NotEqual((byte)'{', data.ToArray()[0]);
        Assert.Equal(["notes", "work"], serializer.Deserialize<VaultRegistryState>(data)!.Names);
    }

    [Fact]
    public void State_written_as_json_by_the_default_provider_serializer_is_still_read()
    {
        using var host = Services();
        var services = host.Services;
        var legacy = new JsonGrainStorageSerializer(services.GetRequiredService<OrleansJsonSerializer>());
        var written = legacy.Serialize(new VaultRegistryState { Names = new(StringComparer.Ordinal) { "old-vault" } });

        var read = ActivatorUtilities.CreateInstance<GrainStateSerializer>(services).Deserialize<VaultRegistryState>(written);

        Assert.Equal(["old-vault"], read!.Names);
    }
}
