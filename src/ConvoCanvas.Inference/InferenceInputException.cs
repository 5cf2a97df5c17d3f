namespace ConvoCanvas.Inference;

/// <summary>
/// A catalogue or a trace that cannot be used, with a message that names the file and the item:
/// <c>trace 'day.jsonl' line 12: unknown model 'llama9:8b'</c>.
/// </summary>
public sealed class InferenceInputException(string message) : Exception(message);
