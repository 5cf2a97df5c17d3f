using ConvoCanvas.Testing;

namespace ConvoCanvas.Cluster.Tests.Diagrams;

/// <summary>
/// Golden files: the expected diagram text lives beside the tests. Run with CONVOCANVAS_UPDATE_GOLDEN=1 to rewrite them
/// after a deliberate change, then read the diff before committing.
/// </summary>
internal static class Golden
{
    private static string Folder => Path.Combine(RepositoryPaths.Root, "tests", "ConvoCanvas.Cluster.Tests", "Diagrams", "golden");

    public static void Matches(string name, string actual)
    {
        var path = Path.Combine(Folder, name);
        if (Environment.GetEnvironmentVariable("CONVOCANVAS_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"no golden file {path}; run the tests once with CONVOCANVAS_UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(path), actual);
    }
}
