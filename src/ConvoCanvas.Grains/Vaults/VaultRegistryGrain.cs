using ConvoCanvas.Abstractions;

namespace ConvoCanvas.Grains.Vaults;

[GenerateSerializer, Alias("convocanvas.VaultRegistryState")]
public sealed class VaultRegistryState
{
    [Id(0)] public SortedSet<string> Names { get; set; } = new(StringComparer.Ordinal);
}

public sealed class VaultRegistryGrain(
    [PersistentState("vault-registry", ProviderNames.Storage)] IPersistentState<VaultRegistryState> state) : Grain, IVaultRegistryGrain
{
    public async Task RegisterAsync(string name)
    {
        if (state.State.Names.Add(name))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(state.State.Names.ToList());
}
