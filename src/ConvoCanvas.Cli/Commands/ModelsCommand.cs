using System.CommandLine;
using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Inference.Scheduling;
using ConvoCanvas.Inference.Simulation;
using ConvoCanvas.Inference.Trace;
using Spectre.Console;

namespace ConvoCanvas.Cli.Commands;

/// <summary>
/// <c>models simulate</c> and <c>models trace</c>: capacity planning for the local models, run here
/// (no silo): which models fit, and what waits a day of requests will see under each policy.
/// </summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var command = new Command("models", "Local models on the GPU: list, pin, load and unload them; simulate a day of requests under a scheduling policy.");
        foreach (var sub in FleetCommands.Create())
        {
            command.Subcommands.Add(sub);
        }
        command.Subcommands.Add(Simulate());
        command.Subcommands.Add(TraceCommand());
        return command;
    }

    private static Command Simulate()
    {
        var catalogue = new Option<string>("--catalogue") { Description = "catalogue JSON: the GPU and the models (e.g. silo-config/models/rtx4080.json)", Required = true };
        var trace = new Option<string?>("--trace") { Description = "trace JSONL, one request a line (default: the generated day for --seed)" };
        var seed = new Option<int>("--seed") { Description = "seed of the generated day when no --trace is given", DefaultValueFactory = _ => 1 };
        var policy = new Option<string>("--policy") { Description = "convocanvas, ollama, or both", DefaultValueFactory = _ => "both" };
        var command = new Command("simulate", "Replay a trace against a scheduling policy and report waits, loads, evictions and VRAM over-commits.")
        {
            catalogue, trace, seed, policy,
        };
        command.SetLocalAction((parse, _) =>
        {
            var reports = Run(parse.GetValue(catalogue)!, parse.GetValue(trace), parse.GetValue(seed), parse.GetValue(policy)!);
            if (parse.WantsJson())
            {
                Console.Out.WriteLine(reports.Count == 1 ? reports[0].ToJson() : System.Text.Json.JsonSerializer.Serialize(reports, SimulationReport.Json));
                return 0;
            }
            CommandRunner.Screen.Write(Table(reports));
            return 0;
        });
        return command;
    }

    /// <summary>Loads the inputs (errors name the file and the item) and runs each asked-for policy on the same trace.</summary>
    internal static IReadOnlyList<SimulationReport> Run(string cataloguePath, string? tracePath, int seed, string policyName)
    {
        var models = ModelCatalogue.Load(cataloguePath);
        IReadOnlyList<InferenceRequest> requests;
        if (tracePath is null)
        {
            requests = new DayTraceGenerator(seed).Generate();
            // The generated day names the reference models; check them against this catalogue as a trace file would be.
            var text = new StringWriter();
            TraceFile.Write(text, requests);
            requests = TraceFile.Read(new StringReader(text.ToString()), $"generated day (seed {seed})", models);
        }
        else
        {
            requests = TraceFile.Load(tracePath, models);
        }
        var policies = policyName.ToLowerInvariant() switch
        {
            "convocanvas" => new ISchedulingPolicy[] { new ConvoCanvasPolicy() },
            "ollama" => [new OllamaDefaultPolicy(seed)],
            "both" => [new ConvoCanvasPolicy(), new OllamaDefaultPolicy(seed)],
            _ => throw new CliException($"--policy must be convocanvas, ollama or both, not '{policyName}'"),
        };
        var simulator = new Simulator(models);
        return policies.Select(p => simulator.Run(requests, p)).ToList();
    }

    internal static Table Table(IReadOnlyList<SimulationReport> reports)
    {
        var table = new Table().AddColumn("");
        foreach (var report in reports)
        {
            table.AddColumn(new TableColumn(report.Policy).RightAligned());
        }
        void Row(string label, Func<SimulationReport, string> value) => table.AddRow([label, .. reports.Select(value)]);
        Row("requests", r => r.Requests.ToString("N0"));
        Row("interactive wait p50 / p95 / p99", r => $"{Seconds(r.InteractiveWaitMs.P50)} / {Seconds(r.InteractiveWaitMs.P95)} / {Seconds(r.InteractiveWaitMs.P99)}");
        Row("batch wait p50 / p95 / max", r => $"{Seconds(r.BatchWaitMs.P50)} / {Seconds(r.BatchWaitMs.P95)} / {r.MaxBatchWaitS:F1} s");
        Row("batch makespan", r => $"{r.BatchMakespanS:F0} s");
        Row("background makespan", r => $"{r.BackgroundMakespanS:F0} s");
        Row("loads (GB read)", r => $"{r.Loads:N0} ({r.GbLoaded:N1} GB)");
        Row("evictions / keep_alive expiries", r => $"{r.Evictions:N0} / {r.Expiries:N0}");
        Row("GPU idle while work waits", r => $"{r.GpuIdlePct:F1} %");
        Row("VRAM over-commits", r => r.Overcommits == 0 ? "0" : $"[red]{r.Overcommits:N0}[/]");
        Row("unserved", r => r.Unserved == 0 ? "0" : $"[red]{r.Unserved:N0}[/]");
        return table;
    }

    private static string Seconds(double ms) => ms < 1000 ? $"{ms:F0} ms" : $"{ms / 1000:F1} s";

    private static Command TraceCommand()
    {
        var seed = new Option<int>("--seed") { Description = "the same seed gives the same day", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out") { Description = "where to write the JSONL (default: standard output)" };
        var command = new Command("trace", "Write a generated, realistic day of requests for the reference models as trace JSONL.") { seed, output };
        command.SetLocalAction((parse, _) =>
        {
            var requests = new DayTraceGenerator(parse.GetValue(seed)).Generate();
            if (parse.GetValue(output) is { } path)
            {
                TraceFile.Save(path, requests);
                Console.Error.WriteLine($"{requests.Count:N0} requests written to {path}");
            }
            else
            {
                TraceFile.Write(Console.Out, requests);
            }
            return 0;
        });
        return command;
    }
}
