using ConvoCanvas.Grains.Content;

namespace ConvoCanvas.Silo.Hosting;

public static class ContentExtensions
{
    /// <summary>Content made from the vault and the conversations: questions answered with citations.</summary>
    public static WebApplicationBuilder AddConvoCanvasContent(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<AskOptions>(builder.Configuration.GetSection(AskOptions.SectionName));
        return builder;
    }
}
