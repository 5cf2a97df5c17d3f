using ConvoCanvas.Inference.Trace;

namespace ConvoCanvas.Inference.Scheduling;

/// <summary>
/// Decides what the GPU does: which queued request gets a model's runner, what to load (with which
/// num_ctx) and what to evict. It reads a <see cref="SchedulerState"/> and returns one decision at a
/// time; whoever drives it (the simulator, later the GPU scheduler grain) carries the decision out,
/// updates the state and asks again until the answer is <see cref="SchedulerDecision.Wait"/>.
/// </summary>
public interface ISchedulingPolicy
{
    string Name { get; }

    /// <summary>A request arrives; false (with a reason) refuses it at the door, true queues it.</summary>
    bool Admit(InferenceRequest request, SchedulerState state, out string? reason);

    SchedulerDecision Decide(SchedulerState state);

    /// <summary>When, with nothing else happening, the policy wants to be asked again (a keep_alive running out, a request ageing), or null.</summary>
    double? NextWakeUp(SchedulerState state);
}
