namespace ConvoCanvas.Abstractions;

[GenerateSerializer]
public enum ChangeKind
{
    Created = 0,
    Updated = 1,
    Deleted = 2,
}

/// <summary>A conversation grain's state changed; the search index consumes this.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.ConversationChanged")]
public sealed record ConversationChanged(
    [property: Id(0)] string ConversationId,
    [property: Id(1)] string ContentHash,
    [property: Id(2)] ChangeKind Kind,
    [property: Id(3)] DateTimeOffset At);

/// <summary>A vault document was created, edited, renamed (<see cref="OldPath"/> set) or deleted.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.DocumentChanged")]
public sealed record DocumentChanged(
    [property: Id(0)] string Vault,
    [property: Id(1)] string Path,
    [property: Id(2)] string ContentHash,
    [property: Id(3)] ChangeKind Kind,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] string? OldPath = null);
