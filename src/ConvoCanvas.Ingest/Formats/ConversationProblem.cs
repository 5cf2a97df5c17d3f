namespace ConvoCanvas.Ingest.Formats;

/// <summary>
/// Thrown by a parser when one conversation cannot be imported; the base format turns it into an
/// <see cref="Model.ImportError"/> naming the file and the conversation, and goes on with the next.
/// </summary>
public sealed class ConversationProblem(string reason) : Exception(reason);
