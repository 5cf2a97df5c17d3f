using ConvoCanvas.Ingest.Formats;
using Xunit.Abstractions;

namespace ConvoCanvas.Ingest.Tests;

/// <summary>
/// The third-party test data (<c>../shared/data</c> beside the repository), read in place, never
/// copied into the repository.
/// </summary>
internal static class SharedDataFolder
{
    /// <summary>The data folder, or null after telling the test output why the test stops early.</summary>
    public static string? Find(ITestOutputHelper output, params string[] relative)
    {
        if (ConvoCanvas.Testing.RepositoryPaths.SharedData is not { } root)
        {
            output.WriteLine($"Skipped: no shared/data folder above {AppContext.BaseDirectory}.");
            return null;
        }

        var path = Path.Combine([root, .. relative]);
        if (Directory.Exists(path) || File.Exists(path)) return path;
        output.WriteLine($"Skipped: {path} is absent.");
        return null;
    }

    public static ExportFile ExportFileFor(string fullPath, string relativeTo) =>
        new(Path.GetRelativePath(relativeTo, fullPath).Replace('\\', '/'), new FileInfo(fullPath).Length, () => File.OpenRead(fullPath));

    public static byte[] Head(string fullPath)
    {
        using var stream = File.OpenRead(fullPath);
        var buffer = new byte[64 * 1024];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0) total += read;
        return buffer[..total];
    }
}
