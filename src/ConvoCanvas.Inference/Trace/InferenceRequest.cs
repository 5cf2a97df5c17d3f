namespace ConvoCanvas.Inference.Trace;

/// <summary>
/// One request of a trace: when it arrives (ms from the start), for which model, how urgent, how many
/// tokens it reads and writes (0 output tokens: an embedding), and the num_ctx the client asks for.
/// </summary>
/// <param name="Id">its position in the trace (0-based), unique within a trace.</param>
public sealed record InferenceRequest(int Id, long TMs, string Model, Priority Priority, int PromptTokens, int OutputTokens, int NumCtx)
{
    public double ArrivalSeconds => TMs / 1000.0;
}
