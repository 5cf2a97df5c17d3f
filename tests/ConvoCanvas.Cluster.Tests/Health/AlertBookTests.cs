using System.Text.Json;
using ConvoCanvas.Cluster.Health;
using static ConvoCanvas.Cluster.Tests.Health.Fixtures;

namespace ConvoCanvas.Cluster.Tests.Health;

public sealed class AlertBookTests
{
    private static Finding CrashLoop(int restarts) =>
        new(HealthRuleNames.StuckContainer, Severity.Critical, "apps/deployment/web", "web is crash-looping", new Dictionary<string, string> { ["restarts"] = $"{restarts}" })
        { RestartCount = restarts };

    private static Finding NodeDown(string node) =>
        new(HealthRuleNames.NodeNotReady, Severity.Critical, Subjects.Node(node), $"{node} is NotReady", new Dictionary<string, string>());

    [Fact]
    public void A_finding_opens_one_alert_and_later_sightings_only_refresh_it()
    {
        var book = new AlertBook();

        var first = book.Update([CrashLoop(3), CrashLoop(3)], T0);
        var second = book.Update([CrashLoop(4)], T0.AddMinutes(1));

        Assert.Single(first.Opened);
        Assert.Same(AlertChanges.None, second);
        var alert = Assert.Single(book.Open);
        Assert.Equal(T0, alert.OpenedAt);
        Assert.Equal(T0.AddMinutes(1), alert.LastSeenAt);
        Assert.Equal(2, alert.Occurrences);
        Assert.Equal("4", alert.Evidence["restarts"]);
    }

    [Fact]
    public void Absent_for_two_minutes_does_not_resolve_absent_past_the_hold_does()
    {
        var book = new AlertBook();
        book.Update([NodeDown("pi")], T0);

        Assert.Empty(book.Update([], T0.AddMinutes(1)).Resolved);
        Assert.Empty(book.Update([], T0.AddMinutes(3)).Resolved);
        Assert.Empty(book.Update([], T0.AddMinutes(10)).Resolved);
        var resolved = Assert.Single(book.Update([], T0.AddMinutes(11)).Resolved);

        Assert.Equal(T0.AddMinutes(11), resolved.ResolvedAt);
        Assert.Empty(book.Open);
        Assert.Same(resolved, Assert.Single(book.State.Resolved));
    }

    [Fact]
    public void A_restart_alert_whose_count_still_grows_does_not_resolve()
    {
        var book = new AlertBook();
        book.Update([CrashLoop(5)], T0);

        // Between restarts the container is Running: no finding, but the count keeps growing.
        for (var minute = 1; minute <= 15; minute += 2)
        {
            Assert.Empty(book.Update([], T0.AddMinutes(minute), restartCounts: new Dictionary<string, int> { ["apps/deployment/web"] = 5 + minute }).Resolved);
        }
        Assert.Equal(20, Assert.Single(book.Open).RestartCount);

        // The fix lands: the count stops at 20 and the alert resolves a hold after the last restart.
        var still = new Dictionary<string, int> { ["apps/deployment/web"] = 20 };
        Assert.Empty(book.Update([], T0.AddMinutes(24), restartCounts: still).Resolved);
        Assert.Single(book.Update([], T0.AddMinutes(25), restartCounts: still).Resolved);
    }

    [Fact]
    public void Alerts_of_rules_that_could_not_look_are_neither_refreshed_nor_resolved()
    {
        var book = new AlertBook();
        book.Update([NodeDown("pi")], T0);
        book.Update([], T0.AddMinutes(5));

        var unobserved = new HashSet<string> { HealthRuleNames.NodeNotReady };
        Assert.Empty(book.Update([], T0.AddHours(30), unobserved).Resolved);

        // Seen gone again: the hold starts over from here.
        Assert.Empty(book.Update([], T0.AddHours(31)).Resolved);
        Assert.Single(book.Update([], T0.AddHours(31).AddMinutes(10)).Resolved);
    }

    [Fact]
    public void A_problem_that_returns_after_resolving_opens_a_new_alert_and_history_is_bounded()
    {
        var book = new AlertBook(new HealthSettings { ResolvedHistory = 2, ResolveHold = TimeSpan.Zero });
        for (var i = 0; i < 3; i++)
        {
            var at = T0.AddHours(i);
            Assert.Single(book.Update([NodeDown("pi")], at).Opened);
            Assert.Single(book.Update([], at.AddMinutes(1)).Resolved);
        }

        Assert.Equal([T0.AddHours(2), T0.AddHours(1)], book.State.Resolved.Select(a => a.OpenedAt));
    }

    [Fact]
    public void Per_rule_hold_resolves_silence_at_once()
    {
        var book = new AlertBook();
        var silence = new Finding(HealthRuleNames.Silence, Severity.Critical, Subjects.Cluster, "silent", new Dictionary<string, string>());
        book.Update([silence, NodeDown("pi")], T0);

        var changes = book.Update([], T0.AddMinutes(1));

        Assert.Equal(HealthRuleNames.Silence, Assert.Single(changes.Resolved).Rule);
        Assert.Equal(HealthRuleNames.NodeNotReady, Assert.Single(book.Open).Rule);
    }

    [Fact]
    public void Book_state_round_trips_through_System_Text_Json_and_carries_on()
    {
        var book = new AlertBook();
        book.Update([CrashLoop(3), NodeDown("pi")], T0);
        book.Update([CrashLoop(4)], T0.AddMinutes(2));
        book.Update([CrashLoop(5)], T0.AddMinutes(20));

        var json = JsonSerializer.Serialize(book.State);
        var restored = JsonSerializer.Deserialize<AlertBookState>(json)!;

        Assert.Equal(json, JsonSerializer.Serialize(restored));
        Assert.Contains("\"critical\"", json);
        var again = new AlertBook(state: restored);
        // The node alert resolved before the save; the crash loop is first missed at 40 and resolves a hold later.
        Assert.Empty(again.Update([], T0.AddMinutes(40)).Resolved);
        Assert.Single(again.Update([], T0.AddMinutes(50)).Resolved);
        Assert.Equal(5, Assert.Single(again.State.Resolved, a => a.Rule == HealthRuleNames.StuckContainer).RestartCount);
    }
}
