using System.Diagnostics;

namespace ConvoCanvas.Testing;

/// <summary>The built convocanvas CLI, run as a user runs it, against a silo's gateway.</summary>
public static class CliProcess
{
    public static string Dll => Path.Combine(RepositoryPaths.Root, "src", "ConvoCanvas.Cli", "bin", RepositoryPaths.Configuration, "net10.0", "convocanvas.dll");

    public static ProcessStartInfo StartInfo(int gatewayPort, params string[] args) =>
        new("dotnet", [Dll, .. args, "--gateway", $"127.0.0.1:{gatewayPort}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

    /// <summary>Runs to the end (two minutes at most) and returns the exit code, stdout and stderr.</summary>
    public static Task<(int ExitCode, string Out, string Error)> RunAsync(int gatewayPort, params string[] args) => RunAsync(StartInfo(gatewayPort, args));

    /// <summary>Runs a command that needs no silo (<c>cluster … --from-dir</c>): no --gateway is passed.</summary>
    public static Task<(int ExitCode, string Out, string Error)> RunOfflineAsync(params string[] args)
    {
        if (!File.Exists(Dll))
        {
            throw new FileNotFoundException($"build the CLI first ({RepositoryPaths.Configuration}): {Dll}");
        }
        return RunAsync(new ProcessStartInfo("dotnet", [Dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        });
    }

    private static async Task<(int ExitCode, string Out, string Error)> RunAsync(ProcessStartInfo info)
    {
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
