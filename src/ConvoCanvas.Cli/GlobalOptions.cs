using System.CommandLine;

namespace ConvoCanvas.Cli;

internal static class GlobalOptions
{
    public static readonly Option<string> Gateway = new("--gateway")
    {
        Description = "host:port of a silo's Orleans gateway (default: CONVOCANVAS_GATEWAY or 127.0.0.1:30000)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONVOCANVAS_GATEWAY")
            ?? $"127.0.0.1:{Environment.GetEnvironmentVariable("CONVOCANVAS_GATEWAY_PORT") ?? "30000"}",
    };

    public static readonly Option<string> ClusterId = new("--cluster-id")
    {
        Description = "the Orleans cluster id of the silos",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONVOCANVAS_CLUSTER_ID") ?? "convocanvas",
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "print JSON instead of tables",
        Recursive = true,
    };
}
