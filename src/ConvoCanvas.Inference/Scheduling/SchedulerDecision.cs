namespace ConvoCanvas.Inference.Scheduling;

/// <summary>One thing a policy tells the scheduler to do now. A policy is asked again until it says <see cref="Wait"/>.</summary>
public abstract record SchedulerDecision
{
    /// <summary>Nothing more to do until something changes (an arrival, a finished request or load, a timer).</summary>
    public static readonly SchedulerDecision Wait = new WaitDecision();
}

public sealed record WaitDecision : SchedulerDecision;

/// <summary>Hand the request to its model's runner (the model is loaded with at least the request's num_ctx): a lease.</summary>
public sealed record DispatchDecision(PendingRequest Request) : SchedulerDecision;

/// <summary>
/// Unload <paramref name="Evict"/> (idle models; may include <paramref name="Model"/> itself for a new context), then load the model with <paramref name="NumCtx"/>.
/// <paramref name="Preload"/>: no request waits for it; the model is loaded ahead of the demand the policy expects (a load all the same: it takes
/// the load slot, its VRAM, and counts as a load).
/// </summary>
public sealed record LoadDecision(string Model, int NumCtx, IReadOnlyList<string> Evict, bool Preload = false) : SchedulerDecision;

public enum UnloadReason
{
    /// <summary>To make room for another model.</summary>
    Evicted,

    /// <summary>To load the same model again with another num_ctx.</summary>
    Reload,

    /// <summary>Its keep_alive ran out.</summary>
    Expired,
}

/// <summary>Unload an idle model.</summary>
public sealed record UnloadDecision(string Model, UnloadReason Reason) : SchedulerDecision;

/// <summary>The request can never be served (it would not fit); it leaves the queue unserved.</summary>
public sealed record RejectDecision(PendingRequest Request, string Reason) : SchedulerDecision;
