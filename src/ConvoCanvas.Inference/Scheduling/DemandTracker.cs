namespace ConvoCanvas.Inference.Scheduling;

/// <summary>
/// How often each model has been asked for lately: a request count that halves every
/// <see cref="HalfLifeSeconds"/>, so a model used a lot an hour ago counts for less than one used now.
/// </summary>
public sealed class DemandTracker(double halfLifeSeconds = 600)
{
    private readonly Dictionary<string, (double Count, double At)> _counts = new(StringComparer.Ordinal);

    public double HalfLifeSeconds { get; } = halfLifeSeconds;

    public void Observe(string model, double now) => _counts[model] = (CountAt(model, now) + 1, now);

    /// <summary>The decayed number of recent requests for the model, at <paramref name="now"/>.</summary>
    public double CountAt(string model, double now) =>
        _counts.TryGetValue(model, out var entry) ? entry.Count * Math.Pow(2, -(now - entry.At) / HalfLifeSeconds) : 0;

    /// <summary>Requests per second, estimated from the decayed count.</summary>
    public double RateAt(string model, double now) => CountAt(model, now) * Math.Log(2) / HalfLifeSeconds;
}
