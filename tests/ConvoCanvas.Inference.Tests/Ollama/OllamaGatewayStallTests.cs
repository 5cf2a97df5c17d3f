using System.Diagnostics;
using ConvoCanvas.Inference.Ollama;
using ConvoCanvas.Testing.Ollama;

namespace ConvoCanvas.Inference.Tests.Ollama;

/// <summary>A stream from an Ollama that goes silent mid-answer ends: by the stall watchdog, or when the caller gives up.</summary>
public sealed class OllamaGatewayStallTests : IAsyncLifetime
{
    private readonly OllamaEmulator ollama = new([new EmulatedModel { Name = "llama3.2:1b", FileBytes = 1_300_000_000 }], new OllamaEmulatorOptions { TimeScale = 0.01 })
    {
        HangAfterTokens = 2,
    };

    public Task InitializeAsync() => ollama.StartAsync();

    public async Task DisposeAsync() => await ollama.DisposeAsync();

    [Fact]
    public async Task A_silent_stream_is_abandoned_as_hung_after_the_stall_timeout()
    {
        using var gateway = new OllamaGateway(new OllamaGatewayOptions { Server = ollama.Address, StallTimeout = TimeSpan.FromSeconds(2) });
        // Loaded and warm first (connection, JIT), so on a busy machine the first token does not take longer than the
        // stall timeout and the watchdog fires where the test means it to: after the two tokens.
        await gateway.LoadAsync("llama3.2:1b", 2048);
        var chunks = new List<string>();
        var watch = Stopwatch.StartNew();

        var read = Task.Run(async () =>
        {
            await foreach (var chunk in gateway.ChatAsync("llama3.2:1b", [new ChatTurn("user", "hi")], 2048, 10))
            {
                chunks.Add(chunk.Text);
            }
        });
        var hung = await Assert.ThrowsAsync<OllamaHangException>(() => read.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(2, chunks.Count);
        Assert.Contains("llama3.2:1b", hung.Message);
        Assert.InRange(watch.Elapsed.TotalSeconds, 2, 25);
    }

    [Fact]
    public async Task A_silent_stream_ends_when_the_caller_cancels()
    {
        using var gateway = new OllamaGateway(new OllamaGatewayOptions { Server = ollama.Address, StallTimeout = TimeSpan.FromMinutes(5) });
        using var cancel = new CancellationTokenSource();
        var twoChunks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var chunks = 0;

        var read = Task.Run(async () =>
        {
            await foreach (var _ in gateway.ChatAsync("llama3.2:1b", [new ChatTurn("user", "hi")], 2048, 10, cancellationToken: cancel.Token))
            {
                if (++chunks == 2)
                {
                    twoChunks.SetResult();
                }
            }
        });
        await twoChunks.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The stream now waits on a server that says nothing (it hangs after two tokens); the caller gives up.
        Assert.False(read.IsCompleted);
        await cancel.CancelAsync();

        var ended = await Record.ExceptionAsync(() => read.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.IsNotType<TimeoutException>(ended);
        Assert.Equal(2, chunks);
    }
}
