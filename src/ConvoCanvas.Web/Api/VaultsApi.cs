using ConvoCanvas.Abstractions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ConvoCanvas.Web.Api;

internal static class VaultsApi
{
    public sealed record AddVaultRequest(string Name, string Path);

    public static void MapVaultsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/vaults");

        group.MapGet("/", async (IGrainFactory grains) =>
        {
            var names = await grains.GetGrain<IVaultRegistryGrain>(0).ListAsync();
            return await Task.WhenAll(names.Select(n => grains.GetGrain<IVaultGrain>(n).GetStatusAsync()));
        });

        group.MapGet("/{name}", async (IGrainFactory grains, string name) =>
        {
            var status = await grains.GetGrain<IVaultGrain>(name).GetStatusAsync();
            return status.Root is null
                ? Results.Problem($"no vault '{name}'", statusCode: StatusCodes.Status404NotFound)
                : Results.Ok(status);
        });

        group.MapPost("/", async (IGrainFactory grains, AddVaultRequest request) =>
        {
            if (string.IsNullOrWhiteSpace(request.Name) || string.IsNullOrWhiteSpace(request.Path))
            {
                return Results.Problem("name and path are required", statusCode: StatusCodes.Status400BadRequest);
            }
            if (!Directory.Exists(request.Path))
            {
                return Results.Problem($"'{request.Path}' is not a folder on the silo", statusCode: StatusCodes.Status400BadRequest);
            }
            try
            {
                var result = await grains.GetGrain<IVaultGrain>(request.Name).AddAsync(Path.GetFullPath(request.Path));
                return Results.Ok(result);
            }
            catch (ArgumentException ex)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
            }
            catch (InvalidOperationException ex)
            {
                // The name is taken by another folder.
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
            }
        });

        group.MapPost("/{name}/scan", async (IGrainFactory grains, string name) =>
            Results.Ok(await grains.GetGrain<IVaultGrain>(name).ScanAsync()));
    }
}
