namespace ConvoCanvas.Inference.Trace;

/// <summary>Who is waiting: a person (interactive), a job someone will look at today (batch), or the night (background).</summary>
public enum Priority
{
    Interactive = 0,
    Batch = 1,
    Background = 2,
}
