using ConvoCanvas.Abstractions;
using ConvoCanvas.Abstractions.Client;
using ConvoCanvas.Ingest.Import;

namespace ConvoCanvas.Web.Api;

/// <summary>
/// Imports uploaded files: each is saved under a private temporary folder (its name reduced to a
/// bare file name, so an upload cannot write elsewhere), read by the same ExportReader the CLI
/// uses, and deleted afterwards whatever happens.
/// </summary>
public sealed class UploadImporter(IGrainFactory grains)
{
    public sealed record Upload(string FileName, Func<Stream> Open);

    public async Task<ImportSummary> ImportAsync(IReadOnlyList<Upload> uploads, IProgress<ImportSummary>? progress, CancellationToken cancellationToken)
    {
        if (uploads.Count == 0)
        {
            throw new ArgumentException("no files were uploaded");
        }
        var folder = Directory.CreateTempSubdirectory("convocanvas-upload-");
        try
        {
            var paths = new List<string>();
            foreach (var (upload, index) in uploads.Select((u, i) => (u, i)))
            {
                // One numbered folder per upload keeps two uploads of the same name apart while the
                // reader, and so every error row, still shows the name the user uploaded.
                var own = Directory.CreateDirectory(Path.Combine(folder.FullName, index.ToString("D3")));
                var path = Path.Combine(own.FullName, SafeName(upload.FileName, index));
                await using (var target = File.Create(path))
                await using (var source = upload.Open())
                {
                    await source.CopyToAsync(target, cancellationToken);
                }
                paths.Add(path);
            }

            var importSource = ImportSource.Of(string.Join(", ", uploads.Select(u => u.FileName)), new ExportReader().Read(paths, cancellationToken));
            // The reader works synchronously; keep it off the request thread.
            return await Task.Run(() => new ImportRunner(grains).RunAsync(importSource, progress, cancellationToken), cancellationToken);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Only the last path segment of a client-supplied name, and never an empty or dot name.</summary>
    internal static string SafeName(string fileName, int index)
    {
        var name = Path.GetFileName(fileName.Replace('\\', '/'));
        name = string.Concat(name.Where(c => !char.IsControl(c) && c != '/'));
        if (string.IsNullOrWhiteSpace(name) || name.Trim('.').Length == 0)
        {
            name = $"upload-{index}";
        }
        return name;
    }
}
