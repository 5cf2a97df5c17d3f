namespace ConvoCanvas.Inference.Scheduling;

/// <summary>
/// When each model will be asked for next, learned online from the interactive requests seen so far. Two parts:
/// <list type="bullet">
/// <item><b>The session going on.</b> A request that comes within <see cref="SessionBreakSeconds"/> of the model's
/// previous one continues a session (a conversation, a coding session); its gap is remembered (the last
/// <see cref="GapsKept"/> per model). From those gaps and the share of requests that were followed by another,
/// given how long it has been since the model's last request, the chance that the session still goes on and the
/// mean time to its next turn follow: a model asked every 6 minutes is still expected 3 minutes after its last
/// request; a chat model whose turns came 20–120 s apart is not, 4 minutes after its last one.</item>
/// <item><b>New sessions.</b> Requests that start a session (the first, or after a break) are counted with a long
/// half-life: how often a person opens a conversation on each model.</item>
/// </list>
/// </summary>
public sealed class TurnForecast(double sessionBreakSeconds = 600, double startHalfLifeSeconds = 7200)
{
    private sealed class History
    {
        public double Last = double.NegativeInfinity;
        public readonly Queue<double> Gaps = new();
        public int Requests;
        public int Continuations;
    }

    private readonly Dictionary<string, History> _models = new(StringComparer.Ordinal);
    private readonly DemandTracker _starts = new(startHalfLifeSeconds);

    public const int GapsKept = 32;

    public double SessionBreakSeconds { get; } = sessionBreakSeconds;

    public void Observe(string model, double now)
    {
        if (!_models.TryGetValue(model, out var history))
        {
            _models[model] = history = new History();
        }
        var gap = now - history.Last;
        if (gap <= SessionBreakSeconds)
        {
            history.Continuations++;
            history.Gaps.Enqueue(gap);
            if (history.Gaps.Count > GapsKept)
            {
                history.Gaps.Dequeue();
            }
        }
        else
        {
            _starts.Observe(model, now);
        }
        history.Requests++;
        history.Last = now;
    }

    /// <summary>True while the model's last request is recent enough that its session may still go on.</summary>
    public bool InSession(string model, double now) =>
        _models.TryGetValue(model, out var history) && now - history.Last <= SessionBreakSeconds;

    /// <summary>Interactive requests per second expected for the model now: its session's next turn, plus new sessions.</summary>
    public double RateAt(string model, double now, double startWeight = 1) => SessionRate(model, now) + startWeight * _starts.RateAt(model, now);

    /// <summary>
    /// The chance the session goes on, over the mean time to its next turn if it does (a rate, so a model asked every
    /// 15 s outranks one asked every 5 minutes, as evicting the one asked furthest ahead would have it).
    /// </summary>
    private double SessionRate(string model, double now)
    {
        if (!_models.TryGetValue(model, out var history))
        {
            return 0;
        }
        var since = now - history.Last;
        if (since > SessionBreakSeconds)
        {
            return 0;
        }
        // Gaps longer than the time already waited, and the mean time left until them. With no gap seen yet,
        // a gap spread evenly up to the session break.
        double longer, meanLeft;
        if (history.Gaps.Count == 0)
        {
            longer = 1 - since / SessionBreakSeconds;
            meanLeft = (SessionBreakSeconds - since) / 2;
        }
        else
        {
            var count = 0;
            var sum = 0.0;
            foreach (var gap in history.Gaps)
            {
                if (gap > since)
                {
                    count++;
                    sum += gap - since;
                }
            }
            longer = (double)count / history.Gaps.Count;
            meanLeft = count == 0 ? 0 : sum / count;
        }
        if (longer <= 0)
        {
            return 0;
        }
        // P(another request follows one), with one continuation and one end assumed before any are seen.
        var goesOn = (history.Continuations + 1.0) / (history.Requests + 2.0);
        var stillGoing = goesOn * longer / (1 - goesOn + goesOn * longer);
        return stillGoing / Math.Max(meanLeft, MinSecondsAhead);
    }

    /// <summary>A next turn expected sooner than this counts as this far ahead (no rate runs off to infinity).</summary>
    private const double MinSecondsAhead = 5;
}
