using Microsoft.Extensions.Logging;

namespace ConvoCanvas.Search.Chroma;

internal static partial class ChromaLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning,
        Message = "ChromaDB {Operation} at {Url}: attempt {Attempt} of {MaxAttempts} failed ({Reason}); retrying in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string operation, Uri? url, int attempt, int maxAttempts, string reason, long delayMs);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug,
        Message = "ChromaDB {Operation}: {Records} records in {Requests} requests")]
    public static partial void Batched(ILogger logger, string operation, int records, int requests);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Debug,
        Message = "ChromaDB at {Url} accepts batches of {MaxBatchSize} records")]
    public static partial void PreFlight(ILogger logger, Uri? url, int maxBatchSize);
}
