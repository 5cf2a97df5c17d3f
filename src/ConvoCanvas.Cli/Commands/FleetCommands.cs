using System.CommandLine;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Abstractions.Client;
using Spectre.Console;

namespace ConvoCanvas.Cli.Commands;

/// <summary><c>models list|pin|unpin|load|unload</c>: the installed models as the GPU scheduler knows them.</summary>
internal static class FleetCommands
{
    public const string Gpu = "gpu0";

    public static IEnumerable<Command> Create()
    {
        var list = new Command("list", "The models installed in Ollama: size, context, VRAM estimate, loaded, pinned, measured tokens/s and load times.");
        list.SetGrainAction(async (parse, connection, _) =>
        {
            var models = await connection.Client.GetGrain<IGpuSchedulerGrain>(Gpu).ListModelsAsync();
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(models);
                return 0;
            }
            CommandRunner.Screen.Write(Table(models));
            return 0;
        });
        yield return list;

        foreach (var (name, pinned) in new[] { ("pin", true), ("unpin", false) })
        {
            var model = new Argument<string>("model") { Description = "the model, as Ollama names it (llama3.1:8b)" };
            var command = new Command(name, pinned ? "Never evict this model once loaded." : "Let the scheduler evict this model again when room is needed.") { model };
            command.SetGrainAction(async (parse, connection, _) =>
            {
                var target = parse.GetValue(model)!;
                await connection.Client.GetGrain<IGpuSchedulerGrain>(Gpu).SetPinnedAsync(target, pinned);
                Console.Out.WriteLine($"{target}: {(pinned ? "pinned" : "unpinned")}");
                return 0;
            });
            yield return command;
        }

        var loadModel = new Argument<string>("model") { Description = "the model to load" };
        var numCtx = new Option<int?>("--num-ctx") { Description = "the context to load it with (default: the silo's, 4096)" };
        var load = new Command("load", "Load a model now (the scheduler evicts what it must, never a pinned model, never over the budget).") { loadModel, numCtx };
        load.SetGrainAction(async (parse, connection, cancellationToken) =>
        {
            var target = parse.GetValue(loadModel)!;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await CommandRunner.Screen.Status().StartAsync($"loading {Markup.Escape(target)}…", async _ =>
                await connection.Client.GetGrain<IGpuSchedulerGrain>(Gpu).LoadAsync(target, parse.GetValue(numCtx)).WaitAsync(cancellationToken));
            Console.Out.WriteLine($"{target}: loaded in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
            return 0;
        });
        yield return load;

        var unloadModel = new Argument<string>("model") { Description = "the model to unload" };
        var unload = new Command("unload", "Unload an idle, unpinned model.") { unloadModel };
        unload.SetGrainAction(async (parse, connection, _) =>
        {
            var target = parse.GetValue(unloadModel)!;
            await connection.Client.GetGrain<IGpuSchedulerGrain>(Gpu).UnloadAsync(target);
            Console.Out.WriteLine($"{target}: unloaded");
            return 0;
        });
        yield return unload;
    }

    internal static Table Table(IReadOnlyList<ModelView> models)
    {
        var table = new Table().AddColumns("model", "size", "params", "context", "VRAM est.", "loaded", "tokens/s", "prompt tok/s", "loads", "avg load", "failures");
        foreach (var m in models)
        {
            table.AddRow(
                Markup.Escape(m.Name) + (m.Pinned ? " [bold](pinned)[/]" : "") + (m.TooLarge ? " [red](too large)[/]" : ""),
                Gb(m.SizeBytes),
                Markup.Escape($"{m.ParameterSize} {m.Quantization}".Trim()),
                m.ContextLength > 0 ? m.ContextLength.ToString("N0") : "-",
                Gb(m.VramEstimateBytes) + (m.VramMeasuredBytes is { } measured ? $" ({Gb(measured)} seen)" : ""),
                m.Loaded ? $"yes, ctx {m.LoadedNumCtx:N0}" : "",
                m.Stats.TokensPerSecond > 0 ? m.Stats.TokensPerSecond.ToString("F1") : "-",
                m.Stats.PromptTokensPerSecond > 0 ? m.Stats.PromptTokensPerSecond.ToString("N0") : "-",
                m.Stats.Loads.ToString("N0"),
                m.Stats.AverageLoadSeconds is { } load ? $"{load:F1} s" : "-",
                m.Stats.Failures > 0 ? $"[red]{m.Stats.Failures:N0}[/]" : "0");
        }
        return table;
    }

    internal static string Gb(long bytes) => $"{bytes / 1e9:F1} GB";
}

/// <summary><c>gpu</c>: the VRAM budget, the loaded models, leases, the queue, and whether Ollama is alive.</summary>
internal static class GpuCommand
{
    public static Command Create()
    {
        var check = new Option<bool>("--check") { Description = "ask Ollama now (installed and loaded models, a one-token probe) before answering" };
        var command = new Command("gpu", "The GPU as the scheduler books it: budget, loaded models with their VRAM, leases, the queue, Ollama's liveness.") { check };
        command.SetGrainAction(async (parse, connection, _) =>
        {
            var gpu = connection.Client.GetGrain<IGpuSchedulerGrain>(FleetCommands.Gpu);
            if (parse.GetValue(check))
            {
                await gpu.CheckAsync();
            }
            var status = await gpu.GetStatusAsync();
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(status);
                return 0;
            }
            var screen = CommandRunner.Screen;
            screen.MarkupLine($"[bold]{Markup.Escape(status.Gpu)}[/]: {FleetCommands.Gb(status.UsedBytes)} of {FleetCommands.Gb(status.BudgetBytes)} booked ({status.Policy} policy)");
            var bar = new BreakdownChart().Width(60);
            var colours = new[] { Color.Blue, Color.Green, Color.Yellow, Color.Aqua, Color.Fuchsia, Color.Orange1, Color.Purple };
            var i = 0;
            foreach (var model in status.Loaded)
            {
                bar.AddItem(Markup.Escape(model.Model), Math.Round(model.VramBytes / 1e9, 1), colours[i++ % colours.Length]);
            }
            bar.AddItem("free", Math.Round(Math.Max(0, status.BudgetBytes - status.UsedBytes) / 1e9, 1), Color.Grey);
            screen.Write(bar);
            var state = status.Ollama.State == OllamaLivenessView.Ok ? "[green]ok[/]" : $"[red]{Markup.Escape(status.Ollama.State)}[/]";
            screen.MarkupLine($"Ollama at {Markup.Escape(status.Ollama.Url)}: {state}: {Markup.Escape(status.Ollama.Detail ?? "")}");
            if (status.Loading is { } loading)
            {
                screen.MarkupLine($"loading [bold]{Markup.Escape(loading)}[/]");
            }
            if (status.Loaded.Count > 0)
            {
                var loaded = new Table().AddColumns("loaded", "num_ctx", "VRAM", "running", "idle", "");
                foreach (var m in status.Loaded)
                {
                    loaded.AddRow(Markup.Escape(m.Model), m.NumCtx.ToString("N0"), FleetCommands.Gb(m.VramBytes), m.Running.ToString(), m.Running > 0 ? "-" : $"{m.IdleSeconds:0} s",
                        string.Join(" ", new[] { m.Pinned ? "pinned" : null, m.Outside ? "loaded outside ConvoCanvas" : null, m.Ready ? null : "loading" }.Where(s => s is not null)));
                }
                screen.Write(loaded);
            }
            var queue = new Table().AddColumns("lease / queued", "model", "priority", "for", "caller");
            foreach (var lease in status.Leases)
            {
                queue.AddRow("lease", Markup.Escape(lease.Model), lease.Priority, $"{lease.HeldMs / 1000:0.0} s", Markup.Escape(lease.Caller ?? ""));
            }
            foreach (var waiting in status.Queue)
            {
                queue.AddRow("queued", Markup.Escape(waiting.Model), waiting.Priority, $"{waiting.WaitingMs / 1000:0.0} s", Markup.Escape(waiting.Caller ?? ""));
            }
            if (queue.Rows.Count > 0)
            {
                screen.Write(queue);
            }
            screen.MarkupLine($"[grey]{status.LeasesGranted:N0} leases granted, {status.LeasesReclaimed:N0} taken back from vanished holders, {status.Decisions:N0} policy decisions[/]");
            return 0;
        });
        return command;
    }
}

/// <summary><c>chat "…"</c>: one question to a local model, the answer streamed, then tokens/s.</summary>
internal static class ChatCommand
{
    public static Command Create()
    {
        var prompt = new Argument<string>("prompt") { Description = "what to ask" };
        var kind = new Option<string>("--kind") { Description = $"the task, for the router to pick a model: {string.Join(", ", TaskKinds.All.Where(k => k != TaskKinds.Embed))}", DefaultValueFactory = _ => TaskKinds.Chat };
        var model = new Option<string?>("--model") { Description = "a model by name instead of a task kind" };
        var system = new Option<string?>("--system") { Description = "a system prompt" };
        var numCtx = new Option<int?>("--num-ctx") { Description = "the context the request needs" };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "stop after this many tokens" };
        var priority = new Option<string>("--priority") { Description = "interactive, batch or background", DefaultValueFactory = _ => ModelPriorities.Interactive };
        var command = new Command("chat", "Ask a local model; the answer streams to stdout, the model and tokens/s to stderr.") { prompt, kind, model, system, numCtx, maxTokens, priority };
        command.SetGrainAction(async (parse, connection, cancellationToken) =>
        {
            var request = new GenerationRequest
            {
                Prompt = parse.GetValue(prompt),
                Kind = parse.GetValue(kind),
                Model = parse.GetValue(model),
                System = parse.GetValue(system),
                NumCtx = parse.GetValue(numCtx),
                MaxTokens = parse.GetValue(maxTokens),
                Priority = parse.GetValue(priority)!,
                Caller = $"cli {Environment.UserName}@{Environment.MachineName}",
            };
            var json = parse.WantsJson();
            var text = new System.Text.StringBuilder();
            // Straight to the process's stdout, flushed per token, so a pipe sees the answer as it streams.
            await using var stdout = Console.OpenStandardOutput();
            GenerationStatsView? stats = null;
            string? used = null;
            await foreach (var e in connection.Client.GenerateAsync(request, cancellationToken).WithCancellation(cancellationToken))
            {
                used = e.Model;
                switch (e.Type)
                {
                    case GenerationEvent.Routed when !json:
                        Console.Error.WriteLine($"[{e.Detail}]");
                        break;
                    case GenerationEvent.Queued when !json:
                        Console.Error.WriteLine($"[queued for {e.Model}{(e.QueuePosition is > 0 ? $" behind {e.QueuePosition}" : "")}{(e.Detail is null ? "" : $", {e.Detail}")}]");
                        break;
                    case GenerationEvent.Token:
                        text.Append(e.Text);
                        if (!json)
                        {
                            await stdout.WriteAsync(System.Text.Encoding.UTF8.GetBytes(e.Text!), cancellationToken);
                            await stdout.FlushAsync(cancellationToken);
                        }
                        break;
                    case GenerationEvent.Done:
                        stats = e.Stats;
                        break;
                }
            }
            if (json)
            {
                CommandRunner.PrintJson(new { model = used, text = text.ToString(), stats });
                return 0;
            }
            await stdout.WriteAsync("\n"u8.ToArray(), cancellationToken);
            await stdout.FlushAsync(cancellationToken);
            if (stats is not null)
            {
                Console.Error.WriteLine(StatsLine(used!, stats));
            }
            return 0;
        });
        return command;
    }

    /// <summary>"llama3.1:8b · 312 tokens at 95.2 tokens/s · prompt 41 tokens at 2,310 tokens/s · queued 12 ms".</summary>
    internal static string StatsLine(string model, GenerationStatsView stats) =>
        $"{model} · {stats.OutputTokens:N0} tokens at {stats.TokensPerSecond:N1} tokens/s · prompt {stats.PromptTokens:N0} tokens at {stats.PromptTokensPerSecond:N0} tokens/s"
        + (stats.LoadSeconds > 0 ? $" · load {stats.LoadSeconds:0.0} s" : "")
        + $" · queued {stats.QueuedMs:N0} ms · num_ctx {stats.NumCtx:N0}";
}
