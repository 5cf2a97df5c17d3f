using System.Text;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Abstractions.Client;

namespace ConvoCanvas.Grains.Content;

/// <summary>A model's whole answer, for content made in the background: the text, the model, its timing.</summary>
internal sealed record ModelAnswer(string Text, string Model, GenerationStatsView? Stats);

internal static class ModelText
{
    /// <summary>Runs a generation through the router and the GPU scheduler and collects the answer; a model that cannot serve throws <see cref="ModelRequestException"/>.</summary>
    public static async Task<ModelAnswer> GenerateAsync(IGrainFactory grains, GenerationRequest request, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        string? model = null;
        GenerationStatsView? stats = null;
        await foreach (var e in grains.GenerateAsync(request, cancellationToken).WithCancellation(cancellationToken))
        {
            model = e.Model;
            if (e.Type == GenerationEvent.Token)
            {
                text.Append(e.Text);
            }
            else if (e.Type == GenerationEvent.Done)
            {
                stats = e.Stats;
            }
        }
        return new ModelAnswer(text.ToString(), model ?? request.Model ?? "?", stats);
    }

    /// <summary>Failures after which content is made without a model (said in a note) rather than not at all.</summary>
    public static bool NoModel(ModelRequestException failure) =>
        failure.Problem is ModelProblem.Unavailable or ModelProblem.DoesNotFit or ModelProblem.Hung or ModelProblem.Failed or ModelProblem.UnknownModel;
}
