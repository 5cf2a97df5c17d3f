namespace ConvoCanvas.Testing;

/// <summary>Where things are, found by walking up from the test binaries.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootFolder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ConvoCanvas.Grains.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no ConvoCanvas.Grains.sln above {AppContext.BaseDirectory}");
    });

    /// <summary>The repository root (holds ConvoCanvas.Grains.sln).</summary>
    public static string Root => RootFolder.Value;

    /// <summary>The third-party test data beside the repository (../shared/data), or null where it is absent.</summary>
    public static string? SharedData
    {
        get
        {
            var candidate = Path.GetFullPath(Path.Combine(Root, "..", "shared", "data"));
            return Directory.Exists(candidate) ? candidate : null;
        }
    }

    /// <summary>The configuration the tests were built in (Debug or Release), read off their own path.</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>A folder for what tests leave behind on purpose (screenshots): CONVOCANVAS_TEST_ARTIFACTS or .data-test/artifacts.</summary>
    public static string Artifacts
    {
        get
        {
            var folder = Environment.GetEnvironmentVariable("CONVOCANVAS_TEST_ARTIFACTS") ?? Path.Combine(Root, ".data-test", "artifacts");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }
}
