namespace ConvoCanvas.Content.Ask;

/// <summary>
/// One numbered piece of evidence for a question: the passage of a note or a conversation that search
/// found, with where it is so a citation can point at it.
/// </summary>
/// <param name="Number">Its number in the prompt, from 1: what <c>[n]</c> in the answer refers to.</param>
/// <param name="Title">The note's or the conversation's title.</param>
/// <param name="Where">A note's path and heading, or a conversation's source and message, for a person to read.</param>
/// <param name="At">When it was written, if known.</param>
/// <param name="Text">The passage itself.</param>
public sealed record EvidencePassage(int Number, string Title, string Where, DateTimeOffset? At, string Text);
