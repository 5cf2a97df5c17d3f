using System.Diagnostics;

namespace ConvoCanvas.Testing;

/// <summary>Runs functions of one of the scripts/lib/*.sh service helpers, the way the scripts themselves do.</summary>
public static class ServiceScript
{
    /// <summary>The helper's path, e.g. <c>scripts/lib/postgres.sh</c>; a clear error outside the repository.</summary>
    public static string Find(string name, string alternative)
    {
        var script = Path.Combine(RepositoryPaths.Root, "scripts", "lib", name);
        return File.Exists(script)
            ? script
            : throw new FileNotFoundException($"{script} not found: run the tests from the ConvoCanvas repository, or {alternative}");
    }

    /// <summary><c>bash -c 'source SCRIPT &amp;&amp; COMMANDS' SCRIPT ARGUMENT</c>: in the commands, <c>$1</c> is the argument.</summary>
    public static async Task RunAsync(string script, string commands, string argument)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"source \"$0\" && {commands}");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        // Servers the script starts inherit neither pipe (they log to files), so these end with bash.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script}: '{commands}' for '{argument}' exited with {process.ExitCode}:\n{await stderr}\n{await stdout}");
        }
    }
}
