using System.Diagnostics;
using ConvoCanvas.Ingest.Import;
using Xunit.Abstractions;

namespace ConvoCanvas.Ingest.Tests;

/// <summary>
/// Mutated real exports: whatever the bytes, the reader answers with conversations or errors, never
/// an exception and never a hang.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int Inputs = 10_000;
    private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(2);
    private static readonly string[] Names = ["conversations.json", "chat.json", "conversations-000.json", "notes.md"];

    [Fact]
    public async Task Ten_thousand_mutated_exports_never_throw_or_hang()
    {
        var seeds = Seeds();
        output.WriteLine($"{seeds.Count} seed files");
        var random = new Random(20_240_601);
        var reader = new ExportReader();
        var worst = TimeSpan.Zero;
        var outcomes = (Conversations: 0, Errors: 0);

        var run = Task.Run(() =>
        {
            for (var i = 0; i < Inputs; i++)
            {
                var input = Mutate(seeds, random);
                var name = Names[random.Next(Names.Length)];
                var clock = Stopwatch.StartNew();
                try
                {
                    using var cancel = new CancellationTokenSource(PerInput);
                    foreach (var item in reader.Read([TestData.InMemory(name, input)], cancel.Token))
                    {
                        Assert.True(item.Conversation is not null ^ item.Error is not null);
                        if (item.Error is not null)
                        {
                            outcomes.Errors++;
                            Assert.False(string.IsNullOrWhiteSpace(item.Error.Reason));
                        }
                        else
                        {
                            outcomes.Conversations++;
                        }
                    }
                }
                catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
                {
                    throw new Xunit.Sdk.XunitException($"input {i} ({name}, {input.Length} bytes) threw {ex}");
                }
                if (clock.Elapsed > worst)
                {
                    worst = clock.Elapsed;
                }
                Assert.True(clock.Elapsed < PerInput, $"input {i} took {clock.Elapsed}");
            }
        });

        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(55)));
        Assert.True(finished == run, "the fuzz run hung");
        await run;
        output.WriteLine($"{outcomes.Conversations} conversations, {outcomes.Errors} errors; slowest input {worst.TotalMilliseconds:F0} ms");
        Assert.True(outcomes.Conversations > 1000 && outcomes.Errors > 1000, "mutations should give both outcomes");
    }

    /// <summary>Real exports from ../shared/data when present (small ones, to keep the run short), else the own fixtures.</summary>
    private List<byte[]> Seeds()
    {
        var folders = TestData.Conversations(output) is { } root
            ? new[] { "librechat-import-fixtures", "librechat-import-fixtures-upstream", "claude-ai-osteele-claude-chat-viewer", "openwebui-importer-MIT/examples", "polylogue-MIT/fixtures/chatgpt" }
                .Select(f => Path.Combine(root, f))
            : [Path.Combine(AppContext.BaseDirectory, "Fixtures")];
        return folders.SelectMany(f => Directory.GetFiles(f, "*.json", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllBytes)
            .Where(b => b.Length <= 48 * 1024)
            .ToList();
    }

    private static byte[] Mutate(List<byte[]> seeds, Random random)
    {
        var bytes = new List<byte>(seeds[random.Next(seeds.Count)]);
        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations && bytes.Count > 0; m++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0: // flip a few bits
                    for (var k = 0; k < random.Next(1, 8); k++)
                    {
                        var p = random.Next(bytes.Count);
                        bytes[p] ^= (byte)(1 << random.Next(8));
                    }
                    break;
                case 1: // truncate
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2: // delete a run
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 200)));
                    break;
                case 3: // splice in a piece of another export
                    var other = seeds[random.Next(seeds.Count)];
                    var from = random.Next(other.Length);
                    bytes.InsertRange(at, other.Skip(from).Take(random.Next(1, 400)));
                    break;
                case 4: // structural characters, where they hurt most
                    var structural = "{}[]\",:0n\\"u8.ToArray();
                    bytes.Insert(at, structural[random.Next(structural.Length)]);
                    break;
                default: // repeat a run (duplicate keys, repeated elements)
                    var run = bytes.Skip(at).Take(random.Next(1, 300)).ToList();
                    bytes.InsertRange(at, run);
                    break;
            }
        }
        return bytes.ToArray();
    }
}
