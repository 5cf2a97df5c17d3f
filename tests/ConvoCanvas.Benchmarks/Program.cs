using System.Diagnostics;
using System.Globalization;
using System.Net;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Abstractions.Client;
using ConvoCanvas.Benchmarks;
using ConvoCanvas.Ingest.Import;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

// Usage (through ./scripts/bench.sh, which starts a silo for the import part):
//   ConvoCanvas.Benchmarks embed [--paragraphs 500] [--variants st,b32,b16c2,b32n] [--corpus docs-corpus-md.tar.gz]
//   ConvoCanvas.Benchmarks search --corpus DIR --vault DIR --url http://127.0.0.1:PORT/ --chroma http://127.0.0.1:PORT/ [--chunks 25000] [--seconds 30]
//   ConvoCanvas.Benchmarks cluster [--runs 50] [--results FILE]
//   ConvoCanvas.Benchmarks content --corpus DIR --vault DIR --url http://127.0.0.1:PORT/ --ollama-port PORT --catalogue FILE [--chunks 25000] [--runs 3]
//   ConvoCanvas.Benchmarks scheduler [--seed 1] [--runs 5] [--catalogue FILE] [--results FILE]
//   ConvoCanvas.Benchmarks import --data DIR [--conversations 10000] [--runs 3] [--gateway 127.0.0.1:30000] [--silo-pid PID] [--results FILE]
if (args.Length > 0 && args[0] == "embed")
{
    return await EmbeddingBenchmark.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "search")
{
    return await SearchBenchmark.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "content")
{
    return await ContentBenchmark.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "scheduler-tail")
{
    return SchedulerTail.Run(args[1..]);
}
if (args.Length > 0 && args[0] == "cluster")
{
    return await ClusterBenchmark.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "scheduler")
{
    return SchedulerBenchmark.Run(args[1..]);
}
if (args.Length == 0 || args[0] != "import")
{
    Console.Error.WriteLine("usage: ./scripts/bench.sh import|search|embed|scheduler|cluster");
    return 2;
}
string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;

var dataDir = Arg("--data", Path.Combine(Path.GetTempPath(), "convocanvas-bench"));
var count = int.Parse(Arg("--conversations", "10000"), CultureInfo.InvariantCulture);
var runs = int.Parse(Arg("--runs", "3"), CultureInfo.InvariantCulture);
var gateway = Arg("--gateway", "");
var siloPid = int.Parse(Arg("--silo-pid", "0"), CultureInfo.InvariantCulture);
var results = Arg("--results", "");
var batch = int.Parse(Arg("--batch", "256"), CultureInfo.InvariantCulture);
Directory.CreateDirectory(dataDir);

var export = Path.Combine(dataDir, $"chatgpt-{count}.json");
if (!File.Exists(export))
{
    Console.Error.WriteLine($"generating {count:N0} conversations into {export}");
    ChatGptExportGenerator.Write(export, count);
}
var megabytes = new FileInfo(export).Length / 1024.0 / 1024.0;
Console.Error.WriteLine($"export: {megabytes:F1} MB, {count:N0} conversations");

// 1. Parse only: the reader over the file, every conversation materialised then dropped.
var parseRates = new List<double>();
long parsedMessages = 0;
for (var run = 0; run < runs; run++)
{
    var watch = Stopwatch.StartNew();
    int conversations = 0, errors = 0;
    parsedMessages = 0;
    foreach (var item in new ExportReader().Read([export]))
    {
        if (item.Conversation is { } conversation)
        {
            conversations++;
            parsedMessages += conversation.Messages.Count;
        }
        else
        {
            errors++;
        }
    }
    watch.Stop();
    parseRates.Add(megabytes / watch.Elapsed.TotalSeconds);
    Console.Error.WriteLine($"parse run {run + 1}: {watch.Elapsed.TotalSeconds:F2} s, {megabytes / watch.Elapsed.TotalSeconds:F1} MB/s, {conversations:N0} conversations, {errors} errors");
}
var parsePeakMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0;

// Where a conversation's time goes before it reaches PostgreSQL: the CPU work each upsert does.
var sample = new ExportReader().Read([export]).Where(i => i.Conversation is not null).Take(2000).Select(i => i.Conversation!).ToList();
var counter = new ConvoCanvas.Ingest.Tokens.TokenCounter();
double Per(Action<ConvoCanvas.Ingest.Model.Conversation> work)
{
    var watch = Stopwatch.StartNew();
    foreach (var conversation in sample)
    {
        work(conversation);
    }
    return watch.Elapsed.TotalMilliseconds / sample.Count;
}
Per(c => ConvoCanvas.Ingest.Model.ConversationHash.Compute(c)); // warm-up
var hashMs = Per(c => ConvoCanvas.Ingest.Model.ConversationHash.Compute(c));
var tokenMs = Per(c => counter.CountConversation(c));
var jsonMs = Per(c => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(c, ConvoCanvasSerialization.JsonOptions));
var costLine = $"per conversation CPU: hash {hashMs:F2} ms, token count {tokenMs:F2} ms, JSON serialisation {jsonMs:F2} ms (mean of {sample.Count})";
Console.Error.WriteLine(costLine);

// 2. End to end: parse here, import into PostgreSQL-backed grains on the silo.
var importRates = new List<double>();
var importLines = new List<string>();
if (gateway.Length > 0)
{
    var parts = gateway.Split(':');
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Logging.ClearProviders();
    builder.Services.AddConvoCanvasSerialization();
    builder.UseOrleansClient(client =>
    {
        client.UseStaticClustering(new IPEndPoint(IPAddress.Parse(parts[0]), int.Parse(parts[1], CultureInfo.InvariantCulture)));
        client.Configure<ClusterOptions>(o => { o.ClusterId = "convocanvas"; o.ServiceId = "convocanvas"; });
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(5));
    });
    using var host = builder.Build();
    await host.StartAsync();
    var grains = host.Services.GetRequiredService<IClusterClient>();

    // Warm-up: a fresh silo spends its first seconds in the JIT (tiering up thousands of methods);
    // a long-running silo does not, so the measured runs import into a warm process. Other ids.
    var warmup = Path.Combine(dataDir, "warmup-1000.json");
    if (!File.Exists(warmup))
    {
        ChatGptExportGenerator.Write(warmup, 1000, seed: 7);
    }
    var warmWatch = Stopwatch.StartNew();
    var warm = await new ImportRunner(grains).RunAsync(ImportSource.Of("warm-up", new ExportReader().Read([warmup])));
    Console.Error.WriteLine($"warm-up: {warm.New} conversations into a cold silo in {warmWatch.Elapsed.TotalSeconds:F1} s ({warm.New / warmWatch.Elapsed.TotalSeconds:F0}/s)");
    importLines.Add($"warm-up (not counted): {warm.New} other conversations into the freshly started silo, {warm.New / warmWatch.Elapsed.TotalSeconds:F0} conversations/s");
    // Each measured run imports a different export (other seed, other ids) into the same database,
    // so every run measures new conversations; a last run re-imports the first export.
    for (var run = 0; run <= runs; run++)
    {
        var reimport = run == runs;
        var file = reimport ? export : Path.Combine(dataDir, $"chatgpt-{count}-run{run}.json");
        if (!File.Exists(file))
        {
            ChatGptExportGenerator.Write(file, count, seed: 100 + run);
        }
        if (run == 0 && !reimport)
        {
            export = file;
        }
        var cpuBefore = (Client: Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, Silo: ProcessStats.CpuSeconds(siloPid), Postgres: ProcessStats.PostgresCpuSeconds());
        var source = ImportSource.Of(Path.GetFileName(file), new ExportReader().Read([file]));
        var watch = Stopwatch.StartNew();
        var summary = await new ImportRunner(grains) { MaxBatchCount = batch }.RunAsync(source);
        watch.Stop();
        var total = summary.New + summary.Updated + summary.Unchanged;
        var rate = total / watch.Elapsed.TotalSeconds;
        if (!reimport)
        {
            importRates.Add(rate);
        }
        var cpu = $"CPU s: client {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpuBefore.Client:F1}, silo {ProcessStats.CpuSeconds(siloPid) - cpuBefore.Silo:F1}, postgres {ProcessStats.PostgresCpuSeconds() - cpuBefore.Postgres:F1}";
        var line = $"{(reimport ? "re-import of run 1's export" : $"import run {run + 1}, new conversations")}: {watch.Elapsed.TotalSeconds:F1} s, {rate:F0} conversations/s (new {summary.New}, updated {summary.Updated}, unchanged {summary.Unchanged}, failed {summary.Failed}); {cpu}";
        importLines.Add(line);
        Console.Error.WriteLine(line);
    }
    await host.StopAsync();
}

var clientPeakMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0;
var siloPeakMb = siloPid > 0 ? ProcessStats.PeakRssMb(siloPid) : double.NaN;

var report = new System.Text.StringBuilder();
report.AppendLine($"### Import benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
report.AppendLine();
report.AppendLine($"- machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024 / 1024 / 1024} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
report.AppendLine($"- command: `./scripts/bench.sh import` ({count:N0} synthetic ChatGPT conversations, {megabytes:F1} MB, {parsedMessages:N0} messages; {runs} runs each)");
report.AppendLine($"- {costLine}");
report.AppendLine($"- parse: {string.Join(", ", parseRates.Select(r => $"{r:F1}"))} MB/s (median {Median(parseRates):F1} MB/s)");
if (importRates.Count > 0)
{
    report.AppendLine($"- import into PostgreSQL-backed grains: median {Median(importRates):F0} conversations/s over {importRates.Count} runs of new conversations");
    foreach (var line in importLines)
    {
        report.AppendLine($"- {line}");
    }
}
report.AppendLine($"- peak RSS: parser/client process {clientPeakMb:F0} MB (parse alone {parsePeakMb:F0} MB){(double.IsNaN(siloPeakMb) ? "" : $", silo {siloPeakMb:F0} MB")}");
Console.WriteLine(report);
if (results.Length > 0)
{
    File.AppendAllText(results, Environment.NewLine + report);
}
return 0;

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

