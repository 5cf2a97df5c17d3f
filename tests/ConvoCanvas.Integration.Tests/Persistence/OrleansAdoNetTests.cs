using System.Net;
using ConvoCanvas.Silo.Persistence;
using ConvoCanvas.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using Orleans.Storage;

namespace ConvoCanvas.Integration.Tests.Persistence;

/// <summary>
/// The Orleans 10.4.2 ADO.NET providers (clustering, grain storage, reminders) against the
/// migrated schema on a real PostgreSQL. Each test gets a fresh database, a silo and a client.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OrleansAdoNetTests(PostgresServer server) : IAsyncLifetime
{
    private static int databaseCounter;
    private readonly string clusterId = "cc-" + Guid.NewGuid().ToString("N")[..8];
    private string db = "";
    private TestSilo silo = null!;
    private IHost client = null!;

    private IGrainFactory Grains => client.Services.GetRequiredService<IClusterClient>();

    public async Task InitializeAsync()
    {
        db = await server.CreateDatabaseAsync($"orleans_{Interlocked.Increment(ref databaseCounter)}");
        await new PostgresMigrator(db, PostgresMigrator.DefaultMigrationsFolder).MigrateAsync();
        silo = await OrleansTestHost.StartSiloAsync(db, clusterId);
        client = await OrleansTestHost.StartClientAsync(db, clusterId);
    }

    public async Task DisposeAsync()
    {
        await client.StopAsync();
        client.Dispose();
        await silo.DisposeAsync();
    }

    [Fact]
    public async Task Silo_is_Active_in_the_membership_table_and_the_client_connects_through_its_gateway()
    {
        var rows = await MigrationTests.ListAsync(db,
            $"SELECT address || ':' || port || ':' || status || ':' || proxy_port FROM orleans_cluster_member WHERE deployment_id = '{clusterId}'");

        Assert.Equal([$"127.0.0.1:{silo.SiloPort}:3:{silo.GatewayPort}"], rows);
        Assert.True(await MigrationTests.ScalarAsync<int>(db,
            $"SELECT version FROM orleans_cluster_version WHERE deployment_id = '{clusterId}'") > 0);
        var note = Grains.GetGrain<IStringNoteGrain>("through-gateway");
        await note.Set("hello");
        Assert.Equal("hello", (await note.Get()).Text);
    }

    [Fact]
    public async Task State_survives_deactivation_for_every_key_kind()
    {
        var guid = Guid.NewGuid();
        INote[] notes =
        [
            Grains.GetGrain<IGuidNoteGrain>(guid),
            Grains.GetGrain<IGuidCompoundNoteGrain>(guid, "first"),
            Grains.GetGrain<IGuidCompoundNoteGrain>(guid, "second"),
            Grains.GetGrain<IIntegerNoteGrain>(42),
            Grains.GetGrain<IIntegerNoteGrain>(-7),
            Grains.GetGrain<IStringNoteGrain>("conversation/41"),
        ];
        for (var i = 0; i < notes.Length; i++)
        {
            await notes[i].Set($"note {i}");
        }

        var before = await Task.WhenAll(notes.Select(n => n.Get()));
        foreach (var note in notes)
        {
            await note.Deactivate();
        }

        var after = await Task.WhenAll(notes.Select(n => n.Get()));
        for (var i = 0; i < notes.Length; i++)
        {
            Assert.NotEqual(before[i].ActivationId, after[i].ActivationId);
            Assert.Equal($"note {i}", after[i].Text);
            Assert.Equal(1, after[i].Writes);
            Assert.True(after[i].RecordExists);
            Assert.Equal("1", after[i].ETag);
        }

        Assert.Equal(notes.Length, await MigrationTests.ScalarAsync<long>(db, "SELECT count(*) FROM orleans_grain_state"));
        // Plain Guid and integer keys have no extension: stored as NULL, matched NULL-safely.
        Assert.Equal(3L, await MigrationTests.ScalarAsync<long>(db,
            "SELECT count(*) FROM orleans_grain_state WHERE grain_id_extension IS NULL"));
    }

    [Fact]
    public async Task Clear_empties_the_state_and_a_later_write_continues_the_version()
    {
        var note = Grains.GetGrain<IGuidNoteGrain>(Guid.NewGuid());
        await note.Set("to be cleared");
        await note.Clear();
        var cleared = await note.Get();
        await note.Deactivate();
        var reread = await note.Get();

        Assert.Equal("2", cleared.ETag);
        Assert.False(reread.RecordExists);
        Assert.Equal("", reread.Text);
        Assert.Equal("2", reread.ETag);
        Assert.Equal(1L, await MigrationTests.ScalarAsync<long>(db,
            "SELECT count(*) FROM orleans_grain_state WHERE payload IS NULL AND version = 2"));

        await note.Set("again");
        await note.Deactivate();
        Assert.Equal(("again", "3"), ((await note.Get()).Text, (await note.Get()).ETag));
    }

    [Fact]
    public async Task A_stale_etag_raises_InconsistentStateException_through_the_grain()
    {
        var note = Grains.GetGrain<IStringNoteGrain>("contended");
        await note.Set("mine");
        // Another writer got there first.
        await MigrationTests.ExecuteAsync(db, "UPDATE orleans_grain_state SET version = version + 1");

        await Assert.ThrowsAsync<InconsistentStateException>(() => note.Set("stale"));
    }

    [Fact]
    public async Task Storage_provider_detects_every_version_conflict()
    {
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>("Default");
        var grainId = GrainId.Create("contract", "storage-" + Guid.NewGuid().ToString("N"));
        var first = new GrainState<NoteState>(new NoteState { Text = "one" });
        await storage.WriteStateAsync("note", grainId, first);
        Assert.Equal("1", first.ETag);

        // Insert when a row exists (no ETag).
        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            storage.WriteStateAsync("note", grainId, new GrainState<NoteState>(new NoteState())));
        // Update with a stale ETag.
        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            storage.WriteStateAsync("note", grainId, new GrainState<NoteState>(new NoteState()) { ETag = "7" }));
        // Clear with a stale ETag.
        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            storage.ClearStateAsync("note", grainId, new GrainState<NoteState>(new NoteState()) { ETag = "7", RecordExists = true }));

        // A different state name is a different record.
        var other = new GrainState<NoteState>(new NoteState { Text = "other" });
        await storage.WriteStateAsync("other-note", grainId, other);
        var read = new GrainState<NoteState>();
        await storage.ReadStateAsync("note", grainId, read);
        Assert.Equal(("one", "1", true), (read.State!.Text, read.ETag, read.RecordExists));

        // Nothing stored: no ETag, no record.
        var missing = new GrainState<NoteState>();
        await storage.ReadStateAsync("note", GrainId.Create("contract", "never-written"), missing);
        Assert.Equal((null, false), (missing.ETag, missing.RecordExists));
    }

    [Fact]
    public async Task Delete_state_on_clear_removes_the_row()
    {
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>("Deleting");
        var grainId = GrainId.Create("contract", "delete-" + Guid.NewGuid().ToString("N"));
        var state = new GrainState<NoteState>(new NoteState { Text = "gone soon" });
        await storage.WriteStateAsync("note", grainId, state);
        await storage.WriteStateAsync("note", grainId, state);

        await storage.ClearStateAsync("note", grainId, state);

        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.Equal(0L, await MigrationTests.ScalarAsync<long>(db, "SELECT count(*) FROM orleans_grain_state"));
        await storage.WriteStateAsync("note", grainId, state);
        Assert.Equal("1", state.ETag);
    }

    [Fact]
    public async Task Reminder_registers_fires_reads_back_and_unregisters()
    {
        var key = "reminder-" + Guid.NewGuid().ToString("N");
        var probe = Grains.GetGrain<IReminderProbeGrain>(key);

        await probe.Register(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));

        Assert.Equal(ReminderProbeGrain.ReminderName, await probe.GetReminderName());
        Assert.Equal(1L, await MigrationTests.ScalarAsync<long>(db,
            $"SELECT count(*) FROM orleans_reminder WHERE grain_id LIKE '%{key}' AND period = 1000"));
        await ReminderTicks.WaitAsync(key, TimeSpan.FromSeconds(30));

        await probe.Unregister();

        Assert.Null(await probe.GetReminderName());
        Assert.Equal(0L, await MigrationTests.ScalarAsync<long>(db, "SELECT count(*) FROM orleans_reminder"));
    }

    [Fact]
    public async Task Reminder_table_meets_the_contract()
    {
        var table = silo.Services.GetRequiredService<IReminderTable>();
        var grains = Enumerable.Range(0, 40).Select(i => GrainId.Create("contract", $"reminder-grain-{i}")).ToList();
        var start = new DateTime(2026, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
        var etags = new Dictionary<GrainId, string>();
        foreach (var grain in grains)
        {
            etags[grain] = (await table.UpsertRow(new ReminderEntry
            {
                GrainId = grain, ReminderName = "r", StartAt = start, Period = TimeSpan.FromMinutes(5),
            }))!;
        }

        // Upsert of an existing reminder changes its ETag; a period above int.MaxValue ms round-trips.
        var longPeriod = TimeSpan.FromDays(40);
        var newEtag = await table.UpsertRow(new ReminderEntry
        {
            GrainId = grains[0], ReminderName = "r", StartAt = start, Period = longPeriod,
        });
        Assert.NotEqual(etags[grains[0]], newEtag);
        var row = (await table.ReadRow(grains[0], "r"))!;
        Assert.Equal((longPeriod, start, DateTimeKind.Utc, newEtag), (row.Period, row.StartAt, row.StartAt.Kind, row.ETag));
        Assert.Null(await table.ReadRow(grains[0], "no-such-reminder"));
        Assert.Single((await table.ReadRows(grains[1])).Reminders);

        // Ranges are (begin, end] on the unsigned ring, wrapping when begin >= end.
        var hashes = grains.Select(g => g.GetUniformHashCode()).ToList();
        uint begin = 0x4000_0000, end = 0xC000_0000;
        await AssertRange(begin, end, h => h > begin && h <= end);
        await AssertRange(end, begin, h => h > end || h <= begin);
        await AssertRange(0x8000_0000, 0x8000_0000, _ => true);
        await AssertRange(0x7FFF_FFFF, 0x8000_0001, h => h > 0x7FFF_FFFFu && h <= 0x8000_0001u);

        // Removal is conditional on the ETag.
        Assert.False(await table.RemoveRow(grains[1], "r", "999"));
        Assert.True(await table.RemoveRow(grains[1], "r", etags[grains[1]]));
        Assert.Null(await table.ReadRow(grains[1], "r"));

        async Task AssertRange(uint from, uint to, Func<uint, bool> inRange)
        {
            var expected = grains.Where((g, i) => inRange(hashes[i])).OrderBy(g => g.ToString()).ToList();
            var actual = (await table.ReadRows(from, to)).Reminders.Select(r => r.GrainId).OrderBy(g => g.ToString()).ToList();
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public async Task Membership_table_checks_the_version_and_cleans_up_only_old_dead_silos()
    {
        var table = silo.Services.GetRequiredService<IMembershipTable>();
        var data = await table.ReadAllAsync();
        var self = Assert.Single(data.Members);
        Assert.Equal(SiloStatus.Active, self.Item1.Status);
        Assert.Equal(data.Version.VersionEtag, self.Item2);

        var longAgo = DateTime.UtcNow.AddHours(-3);
        var dead = new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, 1, 17),
            SiloName = "dead-one",
            HostName = "elsewhere",
            Status = SiloStatus.Dead,
            ProxyPort = 2,
            StartTime = longAgo,
            IAmAliveTime = longAgo,
            SuspectTimes = [Tuple.Create(self.Item1.SiloAddress, longAgo)],
        };

        // A stale table version is refused; the current one is accepted and advanced.
        Assert.False(await table.InsertRowAsync(dead, new TableVersion(data.Version.Version - 1, (data.Version.Version - 1).ToString())));
        Assert.True(await table.InsertRowAsync(dead, data.Version.Next()));
        Assert.False(await table.InsertRowAsync(dead, (await table.ReadAllAsync()).Version.Next()));
        var afterInsert = await table.ReadAllAsync();
        Assert.Equal(data.Version.Version + 1, afterInsert.Version.Version);
        var readBack = (await table.ReadRowAsync(dead.SiloAddress)).Members.Single().Item1;
        Assert.Equal(("dead-one", "elsewhere", 2), (readBack.SiloName, readBack.HostName, readBack.ProxyPort));
        Assert.Equal(longAgo, readBack.StartTime, TimeSpan.FromMilliseconds(1));
        Assert.False(await table.UpdateRowAsync(dead, data.Version.VersionEtag, data.Version.Next()));

        // Gateways: only Active silos with a proxy port.
        Assert.Empty((await table.ReadRowAsync(SiloAddress.New(IPAddress.Loopback, 9, 9))).Members);

        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddHours(-1));

        var remaining = (await table.ReadAllAsync()).Members.Select(m => m.Item1.SiloAddress).ToList();
        Assert.Equal([self.Item1.SiloAddress], remaining);
    }

    [Fact]
    public async Task Without_the_per_row_cleanup_query_the_bulk_cleanup_removes_old_inactive_silos()
    {
        var fallbackDb = await server.CreateDatabaseAsync($"orleans_fallback_{Interlocked.Increment(ref databaseCounter)}");
        await new PostgresMigrator(fallbackDb, PostgresMigrator.DefaultMigrationsFolder).MigrateAsync();
        await MigrationTests.ExecuteAsync(fallbackDb, "DELETE FROM OrleansQuery WHERE QueryKey = 'CleanupDefunctSiloEntryKey'");
        await using var fallbackSilo = await OrleansTestHost.StartSiloAsync(fallbackDb, clusterId);
        var table = fallbackSilo.Services.GetRequiredService<IMembershipTable>();
        var longAgo = DateTime.UtcNow.AddHours(-3);
        foreach (var (generation, status) in new[] { (21, SiloStatus.Dead), (22, SiloStatus.Joining) })
        {
            var version = (await table.ReadAllAsync()).Version;
            Assert.True(await table.InsertRowAsync(new MembershipEntry
            {
                SiloAddress = SiloAddress.New(IPAddress.Loopback, 1, generation),
                SiloName = $"old-{generation}",
                HostName = "elsewhere",
                Status = status,
                StartTime = longAgo,
                IAmAliveTime = longAgo,
            }, version.Next()));
        }

        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddHours(-1));

        var remaining = Assert.Single((await table.ReadAllAsync()).Members);
        Assert.Equal(SiloStatus.Active, remaining.Item1.Status);
    }

    [Fact]
    public async Task Second_silo_joins_and_a_restarted_silo_finds_its_state()
    {
        var note = Grains.GetGrain<IStringNoteGrain>("survives-restart");
        await note.Set("kept");

        await using (var second = await OrleansTestHost.StartSiloAsync(db, clusterId))
        {
            Assert.Equal(2L, await MigrationTests.ScalarAsync<long>(db,
                $"SELECT count(*) FROM orleans_cluster_member WHERE deployment_id = '{clusterId}' AND status = 3"));
            var gateways = await MigrationTests.ScalarAsync<long>(db,
                $"SELECT count(*) FROM orleans_cluster_member WHERE proxy_port IN ({silo.GatewayPort}, {second.GatewayPort})");
            Assert.Equal(2L, gateways);

            // A fresh client reads both gateways from the table and reaches the cluster.
            using var secondClient = await OrleansTestHost.StartClientAsync(db, clusterId);
            Assert.Equal("kept", (await secondClient.Services.GetRequiredService<IClusterClient>()
                .GetGrain<IStringNoteGrain>("survives-restart").Get()).Text);
            await secondClient.StopAsync();
        }

        Assert.Equal(1L, await MigrationTests.ScalarAsync<long>(db,
            $"SELECT count(*) FROM orleans_cluster_member WHERE deployment_id = '{clusterId}' AND status = 6"));

        await client.StopAsync();
        client.Dispose();
        await silo.DisposeAsync();

        silo = await OrleansTestHost.StartSiloAsync(db, clusterId);
        client = await OrleansTestHost.StartClientAsync(db, clusterId);

        Assert.Equal("kept", (await Grains.GetGrain<IStringNoteGrain>("survives-restart").Get()).Text);
        Assert.Equal(1L, await MigrationTests.ScalarAsync<long>(db,
            $"SELECT count(*) FROM orleans_cluster_member WHERE deployment_id = '{clusterId}' AND status = 3 AND port = {silo.SiloPort}"));
    }
}
