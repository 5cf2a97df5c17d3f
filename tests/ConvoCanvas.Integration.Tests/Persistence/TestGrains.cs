using System.Collections.Concurrent;

namespace ConvoCanvas.Integration.Tests.Persistence;

[GenerateSerializer, Alias("ConvoCanvas.Tests.NoteState")]
public sealed class NoteState
{
    [Id(0)] public string Text { get; set; } = "";
    [Id(1)] public int Writes { get; set; }
}

[GenerateSerializer, Immutable, Alias("ConvoCanvas.Tests.NoteView")]
public sealed record NoteView(
    [property: Id(0)] string Text,
    [property: Id(1)] int Writes,
    [property: Id(2)] bool RecordExists,
    [property: Id(3)] string? ETag,
    [property: Id(4)] Guid ActivationId);

/// <summary>The operations every note grain offers, whatever its key kind.</summary>
[Alias("ConvoCanvas.Tests.INote")]
public interface INote : IGrain
{
    [Alias("Get")] Task<NoteView> Get();
    [Alias("Set")] Task Set(string text);
    [Alias("Clear")] Task Clear();
    [Alias("Deactivate")] Task Deactivate();
}

[Alias("ConvoCanvas.Tests.IGuidNoteGrain")]
public interface IGuidNoteGrain : INote, IGrainWithGuidKey;

[Alias("ConvoCanvas.Tests.IGuidCompoundNoteGrain")]
public interface IGuidCompoundNoteGrain : INote, IGrainWithGuidCompoundKey;

[Alias("ConvoCanvas.Tests.IIntegerNoteGrain")]
public interface IIntegerNoteGrain : INote, IGrainWithIntegerKey;

[Alias("ConvoCanvas.Tests.IStringNoteGrain")]
public interface IStringNoteGrain : INote, IGrainWithStringKey;

public abstract class NoteGrainBase(IPersistentState<NoteState> state) : Grain, INote
{
    private readonly Guid activationId = Guid.NewGuid();

    public Task<NoteView> Get() =>
        Task.FromResult(new NoteView(state.State.Text, state.State.Writes, state.RecordExists, state.Etag, activationId));

    public async Task Set(string text)
    {
        state.State.Text = text;
        state.State.Writes++;
        await state.WriteStateAsync();
    }

    public Task Clear() => state.ClearStateAsync();

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public sealed class GuidNoteGrain([PersistentState("note", "Default")] IPersistentState<NoteState> state)
    : NoteGrainBase(state), IGuidNoteGrain;

public sealed class GuidCompoundNoteGrain([PersistentState("note", "Default")] IPersistentState<NoteState> state)
    : NoteGrainBase(state), IGuidCompoundNoteGrain;

public sealed class IntegerNoteGrain([PersistentState("note", "Default")] IPersistentState<NoteState> state)
    : NoteGrainBase(state), IIntegerNoteGrain;

public sealed class StringNoteGrain([PersistentState("note", "Default")] IPersistentState<NoteState> state)
    : NoteGrainBase(state), IStringNoteGrain;

[Alias("ConvoCanvas.Tests.IReminderProbeGrain")]
public interface IReminderProbeGrain : IGrainWithStringKey
{
    [Alias("Register")] Task Register(TimeSpan dueTime, TimeSpan period);
    [Alias("GetReminderName")] Task<string?> GetReminderName();
    [Alias("Unregister")] Task Unregister();
}

public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    public const string ReminderName = "probe";

    public async Task Register(TimeSpan dueTime, TimeSpan period) =>
        await this.RegisterOrUpdateReminder(ReminderName, dueTime, period);

    public async Task<string?> GetReminderName() =>
        (await this.GetReminder(ReminderName))?.ReminderName;

    public async Task Unregister()
    {
        var reminder = await this.GetReminder(ReminderName);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        ReminderTicks.Signal(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }
}

/// <summary>Lets a test wait for a reminder tick of a given grain, without sleeping.</summary>
public static class ReminderTicks
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Waiters = new();

    public static Task WaitAsync(string key, TimeSpan timeout) =>
        Waiters.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))
            .Task.WaitAsync(timeout);

    public static void Signal(string key) =>
        Waiters.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))
            .TrySetResult();
}
