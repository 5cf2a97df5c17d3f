using ConvoCanvas.Abstractions;
using ConvoCanvas.Abstractions.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ConvoCanvas.Web.Api;

internal static class ImportsApi
{
    public static void MapImportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/imports");

        // Multipart upload of one or more export files or zips; answers with the import summary.
        group.MapPost("/", async (HttpRequest request, UploadImporter importer, CancellationToken cancellationToken) =>
        {
            if (!request.HasFormContentType)
            {
                return Results.Problem("send the export as multipart/form-data (curl -F file=@conversations.json)", statusCode: StatusCodes.Status400BadRequest);
            }
            var form = await request.ReadFormAsync(cancellationToken);
            if (form.Files.Count == 0)
            {
                return Results.Problem("the form holds no file", statusCode: StatusCodes.Status400BadRequest);
            }
            var uploads = form.Files.Select(f => new UploadImporter.Upload(f.FileName, f.OpenReadStream)).ToList();
            var summary = await importer.ImportAsync(uploads, progress: null, cancellationToken);
            return Results.Ok(ImportReport.From(summary));
        }).DisableAntiforgery();

        group.MapGet("/{id}", async (IGrainFactory grains, string id) =>
        {
            try
            {
                return Results.Ok(await grains.GetGrain<IImportJobGrain>(id).GetAsync());
            }
            catch (InvalidOperationException)
            {
                return Results.Problem($"no import '{id}'", statusCode: StatusCodes.Status404NotFound);
            }
        });
    }
}
