using ConvoCanvas.Grains.Conversations;
using ConvoCanvas.Ingest.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConvoCanvas.Grains;

public static class GrainServiceExtensions
{
    /// <summary>The library services the grains use. The catalogue is registered by the host (PostgreSQL or in-memory).</summary>
    public static IServiceCollection AddConvoCanvasGrainServices(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TokenCounter>();
        services.TryAddSingleton<ConversationAnalyzer>();
        return services;
    }
}
