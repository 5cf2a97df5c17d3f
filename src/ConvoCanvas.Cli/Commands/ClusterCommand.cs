using System.CommandLine;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Cluster.Diagrams;
using ConvoCanvas.Cluster.Health;
using ConvoCanvas.Cluster.Model;
using ConvoCanvas.Cluster.Offline;
using Spectre.Console;

namespace ConvoCanvas.Cli.Commands;

/// <summary>
/// <c>cluster diagram|check|alerts|status|commit</c>: the Kubernetes cluster the silos watch, or, with
/// <c>--from-dir</c>, a folder of saved <c>kubectl get … -o json</c> outputs read here without a silo.
/// </summary>
internal static class ClusterCommand
{
    private static readonly Option<string> Name = new("--name")
    {
        Description = "the watched cluster's name, as the silo is configured (ConvoCanvas:Cluster:Name; default: CONVOCANVAS_K8S_CLUSTER or 'cluster')",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONVOCANVAS_K8S_CLUSTER") ?? "cluster",
    };

    public static Command Create()
    {
        var command = new Command("cluster", "The Kubernetes cluster ConvoCanvas watches: diagrams, health alerts, the watch's status.") { Name };
        command.Subcommands.Add(Diagram());
        command.Subcommands.Add(Check());
        command.Subcommands.Add(Alerts());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Commit());
        command.Subcommands.Add(History());
        return command;
    }

    private static Option<string?> FromDir() => new("--from-dir") { Description = "read a folder of saved `kubectl get … -o json` outputs here instead of asking the silo" };

    private static Command Diagram()
    {
        var format = new Option<string>("--format") { Description = "ascii or mermaid", DefaultValueFactory = _ => "ascii" };
        format.AcceptOnlyFromAmong("ascii", "mermaid");
        var width = new Option<int>("--width") { Description = "columns for the ASCII diagram (60 or more)", DefaultValueFactory = _ => 100 };
        var fromDir = FromDir();
        var command = new Command("diagram", "Draw the cluster: nodes, a box per namespace with workloads, their services and pods (ASCII), or the same graph in Mermaid.")
        {
            format, width, fromDir,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(width) < 60)
            {
                Console.Error.WriteLine("error: --width must be 60 or more");
                return 1;
            }
            if (parse.GetValue(fromDir) is { } dir)
            {
                return Local(() =>
                {
                    var snapshot = Read(dir);
                    Console.Out.Write(parse.GetValue(format) == "mermaid"
                        ? MermaidDiagram.Render(snapshot)
                        : AsciiDiagram.Render(snapshot, new AsciiDiagramOptions { Width = parse.GetValue(width) }));
                    return 0;
                });
            }
            return await Remote(parse, cancellationToken, async connection =>
            {
                var diagram = await connection.Client.GetGrain<IDiagramGrain>(parse.GetValue(Name)!).GetDiagramAsync(parse.GetValue(format)!, parse.GetValue(width));
                if (parse.WantsJson())
                {
                    CommandRunner.PrintJson(diagram);
                    return diagram.Text is null ? 1 : 0;
                }
                if (diagram.Text is null)
                {
                    Console.Error.WriteLine($"error: {diagram.Status}");
                    return 1;
                }
                Console.Out.Write(diagram.Text);
                return 0;
            });
        });
        return command;
    }

    private static Command Check()
    {
        var fromDir = FromDir();
        var expectPods = new Option<int?>("--expect-pods") { Description = "with --from-dir: running and ready pods expected in the whole cluster (\"23\")" };
        var expect = new Option<string[]>("--expect") { Description = "with --from-dir: NAMESPACE=COUNT, running and ready pods expected in a namespace (repeatable)" };
        var command = new Command("check", "Run the health rules (restart storms, crash loops, nodes not ready or with a new IP, DNS, missing pods, silence) and list what they find; exit code 2 when anything is found.")
        {
            fromDir, expectPods, expect,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var expected = parse.GetValue(expect) ?? [];
            if (parse.GetValue(fromDir) is null && (parse.GetValue(expectPods) is not null || expected.Length > 0))
            {
                Console.Error.WriteLine($"error: --expect-pods and --expect go with --from-dir; the silo's alerts use its own settings ({HealthSettings.SectionName}:ExpectedPods, ExpectedPodsTotal)");
                return 1;
            }
            if (parse.GetValue(fromDir) is { } dir)
            {
                return Local(() =>
                {
                    var settings = new HealthSettings { ExpectedPodsTotal = parse.GetValue(expectPods), ExpectedPods = Expected(expected) };
                    var snapshot = Read(dir);
                    var findings = HealthEvaluator.Check(snapshot, settings);
                    if (parse.WantsJson())
                    {
                        Console.Out.WriteLine(HealthCheckJson.Format(findings));
                    }
                    else
                    {
                        PrintFindings(findings.Select(f => (f.Severity, f.Rule, f.Subject, f.Message, f.Evidence, (DateTimeOffset?)null)));
                    }
                    return findings.Count > 0 ? 2 : 0;
                });
            }
            return await Remote(parse, cancellationToken, async connection =>
            {
                var alerts = await connection.Client.GetGrain<IHealthGrain>(parse.GetValue(Name)!).GetAlertsAsync(includeResolved: false);
                if (alerts.Status is { } status)
                {
                    Console.Error.WriteLine($"error: {status}");
                    return 1;
                }
                if (parse.WantsJson())
                {
                    Console.Out.WriteLine(HealthCheckJson.Format(alerts.Open));
                }
                else
                {
                    PrintFindings(alerts.Open.Select(a => (a.Severity, a.Rule, a.Subject, a.Message, a.Evidence, (DateTimeOffset?)a.OpenedAt)));
                }
                return alerts.Open.Count > 0 ? 2 : 0;
            });
        });
        return command;
    }

    private static Command Alerts()
    {
        var command = new Command("alerts", "Open alerts and the recently resolved ones, with when they opened and resolved and their evidence.");
        command.SetGrainAction(async (parse, connection, _) =>
        {
            var alerts = await connection.Client.GetGrain<IHealthGrain>(parse.GetValue(Name)!).GetAlertsAsync(includeResolved: true);
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(alerts);
                return alerts.Status is null ? 0 : 1;
            }
            if (alerts.Status is { } status)
            {
                Console.Error.WriteLine($"error: {status}");
                return 1;
            }
            CommandRunner.Screen.MarkupLine(alerts.Open.Count == 0 ? "[green]no open alerts[/]" : $"[red]{alerts.Open.Count} open[/]");
            // Each alert with its times and its evidence (restart counts, the last termination, the old and new IP).
            foreach (var a in alerts.Open.OrderByDescending(a => a.Severity).Concat(alerts.Resolved.Take(20)))
            {
                var badge = a.ResolvedAt is null ? Badge(a.Severity) : "[grey]resolved[/]";
                var when = a.ResolvedAt is { } resolved
                    ? $"{CommandRunner.When(a.OpenedAt)} to {CommandRunner.When(resolved)}"
                    : $"open since {CommandRunner.When(a.OpenedAt)}";
                CommandRunner.Screen.MarkupLine($"{badge} [bold]{Markup.Escape(a.Rule)}[/] {Markup.Escape(a.Subject)}: {Markup.Escape(a.Message)} ({Markup.Escape(when)})");
                foreach (var (key, value) in a.Evidence)
                {
                    CommandRunner.Screen.MarkupLine($"    {Markup.Escape(key)}: {Markup.Escape(value)}");
                }
            }
            return 0;
        });
        return command;
    }

    private static Command Status()
    {
        var command = new Command("status", "How the watch stands: connected, last contact, last error, events applied, relists.");
        command.SetGrainAction(async (parse, connection, _) =>
        {
            var status = await connection.Client.GetGrain<IClusterWatcherGrain>(parse.GetValue(Name)!).GetStatusAsync();
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(status);
                return 0;
            }
            var state = !status.Configured ? "[grey]not configured[/]" : status.Connected ? "[green]connected[/]" : "[red]not connected[/]";
            CommandRunner.Screen.MarkupLine($"cluster [bold]{Markup.Escape(status.Cluster)}[/] {Markup.Escape(status.ServerVersion ?? "")}: {state}");
            CommandRunner.Screen.MarkupLine($"last contact {CommandRunner.When(status.LastContact)}, {status.EventsApplied:N0} watch events applied, {status.Relists:N0} relists");
            if (status.LastError is { } error)
            {
                CommandRunner.Screen.MarkupLine($"last error ({CommandRunner.When(status.LastErrorAt)}): {Markup.Escape(error)}");
            }
            return 0;
        });
        return command;
    }

    private static Command Commit()
    {
        var command = new Command("commit", "Write the diagrams into the configured git repository folder now, and commit if they changed.");
        command.SetGrainAction(async (parse, connection, _) =>
        {
            var result = await connection.Client.GetGrain<IDiagramGrain>(parse.GetValue(Name)!).CommitNowAsync();
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(result);
                return result.Failed ? 1 : 0;
            }
            if (result.Failed)
            {
                Console.Error.WriteLine($"error: {result.Message}");
                return 1;
            }
            Console.Out.WriteLine(result.Committed ? $"committed {result.CommitId} ({result.Path})" : result.Message);
            return 0;
        });
        return command;
    }

    private static Command History()
    {
        var limit = new Option<int>("--limit") { Description = "how many changes, newest first", DefaultValueFactory = _ => 10 };
        var command = new Command("history", "How the picture changed: when, and what changed each time (nodes, addresses, replicas, restarts, pods).") { limit };
        command.SetGrainAction(async (parse, connection, _) =>
        {
            var history = await connection.Client.GetGrain<IDiagramGrain>(parse.GetValue(Name)!).GetHistoryAsync(parse.GetValue(limit));
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(history);
                return 0;
            }
            foreach (var change in history)
            {
                Console.Out.WriteLine($"{CommandRunner.When(change.At)}  picture {change.Version}: {change.Summary}");
                foreach (var line in change.Changes)
                {
                    Console.Out.WriteLine($"    {line}");
                }
            }
            return 0;
        });
        return command;
    }

    /// <summary><c>--expect monitoring=5 --expect apps=9</c> as expected pod counts by namespace.</summary>
    private static Dictionary<string, int> Expected(IEnumerable<string> pairs)
    {
        var expected = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count))
            {
                throw new CliException($"--expect '{pair}' is not NAMESPACE=COUNT (for example monitoring=5)");
            }
            expected[parts[0]] = count;
        }
        return expected;
    }

    /// <summary>A dump folder as a snapshot; problems reading it go to stderr by file, the rest is used.</summary>
    private static ClusterSnapshot Read(string dir)
    {
        var resources = DumpFolder.Read(dir);
        foreach (var problem in resources.Problems)
        {
            Console.Error.WriteLine($"warning: {problem}");
        }
        if (resources.Skipped.Count > 0)
        {
            // Not a problem (ConfigMaps, RBAC…), but said once, so a kind that was meant to count is noticed.
            Console.Error.WriteLine($"note: {resources.Skipped.Count} file(s) or object(s) of kinds ConvoCanvas does not use were skipped, for example {resources.Skipped[0]}");
        }
        if (resources.Pods.Count == 0 && resources.Nodes.Count == 0)
        {
            throw new CliException($"no pods or nodes found in '{dir}' (expected saved `kubectl get pods,nodes,… -A -o json` outputs)");
        }
        var name = new DirectoryInfo(dir).Name;
        return SnapshotBuilder.Build(name, resources, DumpFolder.NewestTime(resources) ?? DateTimeOffset.UtcNow);
    }

    private static int Local(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (ex is CliException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    private static Task<int> Remote(ParseResult parse, CancellationToken cancellationToken, Func<GatewayConnection, Task<int>> action) =>
        CommandRunner.RunGrainActionAsync(parse, (_, connection, _) => action(connection), cancellationToken);

    private static void PrintFindings(IEnumerable<(Severity Severity, string Rule, string Subject, string Message, IReadOnlyDictionary<string, string> Evidence, DateTimeOffset? Since)> findings)
    {
        var list = findings.OrderByDescending(f => f.Severity).ToList();
        if (list.Count == 0)
        {
            CommandRunner.Screen.MarkupLine("[green]no problems found[/]");
            return;
        }
        foreach (var f in list)
        {
            var since = f.Since is { } at ? $" (since {CommandRunner.When(at)})" : "";
            CommandRunner.Screen.MarkupLine($"{Badge(f.Severity)} [bold]{Markup.Escape(f.Rule)}[/] {Markup.Escape(f.Subject)}: {Markup.Escape(f.Message)}{since}");
            foreach (var (key, value) in f.Evidence)
            {
                CommandRunner.Screen.MarkupLine($"    {Markup.Escape(key)}: {Markup.Escape(value)}");
            }
        }
    }

    private static string Badge(Severity severity) => severity switch
    {
        Severity.Critical => "[red]CRITICAL[/]",
        Severity.Warning => "[yellow]warning[/]",
        _ => "[blue]info[/]",
    };
}
