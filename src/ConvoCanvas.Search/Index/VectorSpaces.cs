using System.Text.Json;
using ConvoCanvas.Search.Embeddings;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace ConvoCanvas.Search.Index;

/// <summary>An embedder and the vector store that holds its vectors.</summary>
public sealed record VectorSpace(IEmbedder Embedder, IVectorStore Store);

/// <summary>A switch of embedders under way: how many sources the new one has.</summary>
public sealed record EmbedderSwitch(string From, string To, long Done, long Total);

/// <summary>
/// The index's vector spaces. Every write goes to the target: the configured embedder and its
/// collection. When the configured embedder is not the one that built the index, the index is
/// re-embedded into the target's collection while the previous embedder and its collection keep
/// answering searches (and receive the edits made meanwhile, as far as they are reachable), until
/// every source is in the target; then the target serves and the previous collection is deleted.
/// Which embedder serves is recorded in <c>search_serving</c>, so a restart carries a switch on.
/// </summary>
public sealed partial class VectorSpaces
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
    private readonly NpgsqlDataSource dataSource;
    private readonly EmbedderDescriptor targetDescriptor;
    private readonly Func<EmbedderDescriptor, VectorSpace>? makePrevious;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile VectorSpace? previous;
    private volatile bool loaded;
    private DateTimeOffset readAt;

    /// <param name="makePrevious">Makes the space of the embedder that still serves during a switch; null: a switch serves from the target at once.</param>
    public VectorSpaces(
        NpgsqlDataSource dataSource,
        VectorSpace target,
        EmbedderDescriptor targetDescriptor,
        Func<EmbedderDescriptor, VectorSpace>? makePrevious = null,
        ILogger<VectorSpaces>? logger = null,
        TimeProvider? time = null)
    {
        this.dataSource = dataSource;
        Target = target;
        this.targetDescriptor = targetDescriptor;
        this.makePrevious = makePrevious;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>While a switch is under way, how often the serving row is read again (another silo may have completed the switch).</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Where every write goes.</summary>
    public VectorSpace Target { get; }

    /// <summary>The space that still serves searches during a switch; null when the target serves (call <see cref="ServingAsync"/> first).</summary>
    public VectorSpace? Previous => previous;

    /// <summary>The space that answers searches now.</summary>
    public async ValueTask<VectorSpace> ServingAsync(CancellationToken cancellationToken = default)
    {
        if (!loaded || (previous is not null && time.GetUtcNow() - readAt > RefreshInterval))
        {
            await LoadAsync(cancellationToken);
        }
        return previous ?? Target;
    }

    /// <summary>The switch under way, with its progress; null when the target serves.</summary>
    public async Task<EmbedderSwitch?> GetSwitchAsync(CancellationToken cancellationToken = default)
    {
        await ServingAsync(cancellationToken);
        if (previous is not { } from)
        {
            return null;
        }
        await using var command = dataSource.CreateCommand("SELECT count(*) FILTER (WHERE embedder = $1), count(*) FROM search_sources");
        command.Parameters.AddWithValue(Target.Embedder.Id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new EmbedderSwitch(from.Embedder.Id, Target.Embedder.Id, reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Completes a switch once every source is indexed by the target: the target serves from now
    /// on and the previous collection is deleted. True if it completed now.
    /// </summary>
    public async Task<bool> TryCompleteAsync(CancellationToken cancellationToken = default)
    {
        await ServingAsync(cancellationToken);
        if (previous is null)
        {
            return false;
        }
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (previous is not { } old)
            {
                return false;
            }
            await using (var remaining = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM search_sources WHERE embedder <> $1)"))
            {
                remaining.Parameters.AddWithValue(Target.Embedder.Id);
                if ((bool)(await remaining.ExecuteScalarAsync(cancellationToken))!)
                {
                    return false;
                }
            }
            await WriteServingAsync(cancellationToken);
            previous = null;
            SpacesLog.Completed(logger, old.Embedder.Id, Target.Embedder.Id, old.Store.Name);
            await RetireAsync(old, drop: true);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (loaded && (previous is null || time.GetUtcNow() - readAt <= RefreshInterval))
            {
                return;
            }
            var serving = await ReadServingAsync(cancellationToken);
            if (serving is null)
            {
                // No record yet: an empty index, or one built before switches were recorded.
                var builtBy = await MostCommonEmbedderAsync(cancellationToken);
                var descriptor = builtBy is null || builtBy == Target.Embedder.Id ? null : EmbedderDescriptor.FromId(builtBy);
                if (builtBy is not null && builtBy != Target.Embedder.Id && descriptor is null)
                {
                    SpacesLog.UnknownPrevious(logger, builtBy, Target.Embedder.Id);
                }
                serving = descriptor is null ? (Target.Embedder.Id, targetDescriptor) : (builtBy!, descriptor);
                await InsertServingAsync(serving.Value.Embedder, serving.Value.Descriptor, cancellationToken);
                serving = await ReadServingAsync(cancellationToken) ?? serving;
            }

            var (embedder, recorded) = serving.Value;
            if (embedder == Target.Embedder.Id)
            {
                if (previous is { } done)
                {
                    // Another silo completed the switch (and deleted the collection).
                    previous = null;
                    await RetireAsync(done, drop: false);
                }
            }
            else if (previous is null || previous.Embedder.Id != embedder)
            {
                previous = MakePrevious(embedder, recorded);
                if (previous is not null)
                {
                    SpacesLog.Switching(logger, embedder, Target.Embedder.Id);
                }
            }
            readAt = time.GetUtcNow();
            loaded = true;
        }
        finally
        {
            gate.Release();
        }
    }

    private VectorSpace? MakePrevious(string embedder, EmbedderDescriptor descriptor)
    {
        if (makePrevious is null)
        {
            return null;
        }
        try
        {
            var space = makePrevious(descriptor);
            if (space.Embedder.Id != embedder)
            {
                SpacesLog.PreviousMismatch(logger, embedder, space.Embedder.Id);
                space.Embedder.Dispose();
                return null;
            }
            return space;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
        {
            SpacesLog.PreviousUnavailable(logger, e, embedder);
            return null;
        }
    }

    private async Task RetireAsync(VectorSpace old, bool drop)
    {
        if (drop)
        {
            try
            {
                await old.Store.DropAsync();
            }
            catch (VectorStoreUnavailableException e)
            {
                SpacesLog.DropFailed(logger, e, old.Store.Name);
            }
        }
        // A search may still be embedding with it: let it finish before the model is unloaded.
        _ = Task.Delay(TimeSpan.FromMinutes(1), time).ContinueWith(_ => old.Embedder.Dispose(), TaskScheduler.Default);
    }

    private async Task<(string Embedder, EmbedderDescriptor Descriptor)?> ReadServingAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT embedder, descriptor::text FROM search_serving");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var descriptor = JsonSerializer.Deserialize<EmbedderDescriptor>(reader.GetString(1), Json)
            ?? throw new InvalidOperationException("search_serving.descriptor is null");
        return (reader.GetString(0), descriptor);
    }

    private async Task InsertServingAsync(string embedder, EmbedderDescriptor descriptor, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("INSERT INTO search_serving (embedder, descriptor) VALUES ($1, $2) ON CONFLICT (singleton) DO NOTHING");
        command.Parameters.AddWithValue(embedder);
        command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, JsonSerializer.Serialize(descriptor, Json));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task WriteServingAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO search_serving (embedder, descriptor, since) VALUES ($1, $2, now())
            ON CONFLICT (singleton) DO UPDATE SET embedder = excluded.embedder, descriptor = excluded.descriptor, since = excluded.since
            """);
        command.Parameters.AddWithValue(Target.Embedder.Id);
        command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, JsonSerializer.Serialize(targetDescriptor, Json));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<string?> MostCommonEmbedderAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT embedder FROM search_sources GROUP BY embedder ORDER BY count(*) DESC LIMIT 1");
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private static partial class SpacesLog
    {
        [LoggerMessage(1, LogLevel.Information, "Search embedder switch: {From} keeps answering searches while the index is re-embedded with {To}")]
        public static partial void Switching(ILogger logger, string from, string to);

        [LoggerMessage(2, LogLevel.Information, "Search embedder switch complete: {To} answers searches now; {From}'s collection {Collection} is deleted")]
        public static partial void Completed(ILogger logger, string from, string to, string collection);

        [LoggerMessage(3, LogLevel.Warning, "The index was built by {Previous}, which cannot be made again from its id; {Target} answers searches at once while the index is re-embedded")]
        public static partial void UnknownPrevious(ILogger logger, string previous, string target);

        [LoggerMessage(4, LogLevel.Warning, "Search embedder {Previous} could not be made again; the new embedder answers searches while the index is re-embedded")]
        public static partial void PreviousUnavailable(ILogger logger, Exception exception, string previous);

        [LoggerMessage(5, LogLevel.Warning, "The recorded search embedder is {Recorded} but its settings make {Made}; the new embedder answers searches at once")]
        public static partial void PreviousMismatch(ILogger logger, string recorded, string made);

        [LoggerMessage(6, LogLevel.Warning, "Could not delete the old vector collection {Collection}; delete it by hand once ChromaDB is back")]
        public static partial void DropFailed(ILogger logger, Exception exception, string collection);
    }
}
