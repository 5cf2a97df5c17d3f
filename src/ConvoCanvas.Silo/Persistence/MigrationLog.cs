using Microsoft.Extensions.Logging;

namespace ConvoCanvas.Silo.Persistence;

internal static partial class MigrationLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information,
        Message = "Schema migrations: {Count} file(s) in {Folder}, database {Database} on {Host}")]
    public static partial void MigrationsStarting(ILogger logger, int count, string folder, string host, string database);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug,
        Message = "Waiting for the schema migration advisory lock {LockKey}")]
    public static partial void WaitingForLock(ILogger logger, long lockKey);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information,
        Message = "Applying schema migration {Version} ({FileName})")]
    public static partial void ApplyingMigration(ILogger logger, long version, string fileName);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information,
        Message = "Applied schema migration {Version} ({FileName}) in {ElapsedMs:F0} ms")]
    public static partial void AppliedMigration(ILogger logger, long version, string fileName, double elapsedMs);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information,
        Message = "Schema is current: {AppliedNow} migration(s) applied now, {AppliedBefore} applied before")]
    public static partial void MigrationsFinished(ILogger logger, int appliedNow, int appliedBefore);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error,
        Message = "Schema migration {FileName} was edited after it was applied: recorded checksum {Recorded}, file checksum {Current}")]
    public static partial void ChecksumMismatch(ILogger logger, string fileName, string recorded, string current);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning,
        Message = "Schema migration {Version} ({Name}) is recorded as applied but has no file in {Folder}; is this silo older than the database?")]
    public static partial void AppliedMigrationMissing(ILogger logger, long version, string name, string folder);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Error,
        Message = "Schema migration {FileName} failed and was rolled back")]
    public static partial void MigrationFailed(ILogger logger, Exception exception, string fileName);
}
