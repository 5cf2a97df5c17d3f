using ConvoCanvas.Cluster.Model;

namespace ConvoCanvas.Cluster.Diagrams;

/// <summary>How a pod or workload looks at a glance: the one judgement both diagrams draw.</summary>
public enum Condition
{
    Ok,
    Starting,
    Failing,
    Completed,
}

public static class Conditions
{
    /// <summary>Waiting reasons that do not fix themselves: the container will not start until someone acts.</summary>
    public static readonly IReadOnlySet<string> StuckReasons = new HashSet<string>(StringComparer.Ordinal)
    {
        "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "CreateContainerError",
        "RunContainerError", "InvalidImageName", "ErrImageNeverPull",
    };

    public static Condition Of(PodInfo pod)
    {
        if (pod.Phase == "Succeeded")
        {
            return Condition.Completed;
        }
        if (pod.Phase == "Failed" || pod.Containers.Any(c => c.WaitingReason is { } r && StuckReasons.Contains(r)))
        {
            return Condition.Failing;
        }
        return pod.Phase == "Running" && pod.Ready ? Condition.Ok : Condition.Starting;
    }

    /// <summary>Failing if any pod is; starting if fewer are ready than desired; otherwise ok.</summary>
    public static Condition Of(WorkloadInfo workload, IEnumerable<PodInfo> pods)
    {
        var live = pods.Select(Of).ToList();
        if (live.Contains(Condition.Failing))
        {
            return Condition.Failing;
        }
        return workload.Ready < workload.Desired ? Condition.Starting : Condition.Ok;
    }

    /// <summary>The four-character mark the ASCII diagram puts before a pod.</summary>
    public static string Mark(Condition condition) => condition switch
    {
        Condition.Ok => "[ok]",
        Condition.Starting => "[..]",
        Condition.Failing => "[!!]",
        _ => "[--]",
    };

    /// <summary>What is wrong with a pod in a word or two ("CrashLoopBackOff", "Pending, unscheduled"); null when it is fine.</summary>
    public static string? Trouble(PodInfo pod)
    {
        var condition = Of(pod);
        if (condition is Condition.Ok or Condition.Completed)
        {
            return null;
        }
        if (pod.WaitingReason is { } waiting)
        {
            return waiting;
        }
        if (pod.Reason is { } reason)
        {
            return reason;
        }
        if (pod.Phase == "Pending" && pod.Node is null)
        {
            return "Pending, unscheduled";
        }
        return pod.Phase == "Running" ? "not ready" : pod.Phase;
    }
}
