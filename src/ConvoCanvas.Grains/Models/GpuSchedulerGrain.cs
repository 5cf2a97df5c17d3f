using System.Diagnostics;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Inference;
using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Inference.Ollama;
using ConvoCanvas.Inference.Scheduling;
using ConvoCanvas.Inference.Trace;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ConvoCanvas.Grains.Models;

/// <summary>What survives a restart: the pins and unpins made at run time.</summary>
[GenerateSerializer, Alias("convocanvas.GpuSchedulerRecord")]
public sealed class GpuSchedulerRecord
{
    /// <summary>Model → pinned (true) or unpinned (false), over the configured pins.</summary>
    [Id(0)] public Dictionary<string, bool> Pins { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The GPU's books, one activation per card (<see cref="Key"/>). Requests ask for a lease; the
/// scheduling policy (<see cref="ConvoCanvasPolicy"/>, the same object the simulator replays) decides
/// what runs, what loads with which num_ctx and what is evicted; this grain carries its decisions out
/// through Ollama one load at a time and never holds a turn while tokens stream (leases are granted
/// and returned; the model slot grains stream). Every loaded model gets keep_alive -1 so Ollama never
/// unloads behind its back, and /api/ps is compared with the books so loads and unloads made from
/// outside are noticed. A lease whose holder is gone is taken back after the lease TTL.
/// </summary>
[Reentrant, KeepAlive]
public sealed class GpuSchedulerGrain : Grain, IGpuSchedulerGrain, IRemindable
{
    public const string Key = "gpu0";

    /// <summary>Wakes the scheduler after a restart (reminders are durable), so liveness is probed even before anyone asks for a model.</summary>
    private const string LivenessReminder = "liveness";

    private readonly OllamaGateway? _ollama;
    private readonly ModelOptions _options;
    private readonly IPersistentState<GpuSchedulerRecord> _record;
    private readonly ILogger<GpuSchedulerGrain> _logger;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ISchedulingPolicy _policy;
    private readonly Dictionary<string, ModelFacts> _installed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModelMeasurement> _measured = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, Ticket> _tickets = [];
    private readonly Dictionary<int, Ticket> _ticketsByRequest = [];
    private readonly Dictionary<Guid, Lease> _leases = [];
    private readonly HashSet<string> _outside = new(StringComparer.Ordinal);

    /// <summary>Unloaded by hand: not preloaded again until a request asks for it.</summary>
    private readonly HashSet<string> _noPreload = new(StringComparer.Ordinal);
    private ModelCatalogue? _shipped;
    private GpuSpec _gpu = new("RTX 4080", 17_171_480_576);
    private SchedulerState _state = null!;
    private OllamaLivenessView _liveness = null!;
    private IGrainTimer? _wake;
    private IGrainTimer? _housekeeping;
    private Task? _refreshing;
    private bool _refreshedOnce;
    private double _lastRefresh = double.NegativeInfinity;
    private double _lastProbe;
    private double? _lastTokenAt;
    private string? _loading;
    private int _nextRequestId;
    private long _decisions;
    private long _granted;
    private long _reclaimed;
    private long _version;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GpuSchedulerGrain(
        IServiceProvider services,
        IOptions<ModelOptions> options,
        [PersistentState("gpu", ProviderNames.Storage)] IPersistentState<GpuSchedulerRecord> record,
        ILogger<GpuSchedulerGrain> logger)
    {
        _options = options.Value;
        _policy = new ConvoCanvasPolicy(new ConvoCanvasPolicy.Settings { Preload = _options.Preload });
        _ollama = _options.Enabled ? services.GetService<OllamaGateway>() : null;
        _record = record;
        _logger = logger;
    }

    private double Now => _clock.Elapsed.TotalSeconds;

    private string Url => _ollama?.Server.ToString() ?? _options.OllamaUrl;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var path = Path.IsPathRooted(_options.Catalogue) ? _options.Catalogue : Path.Combine(AppContext.BaseDirectory, _options.Catalogue);
        if (File.Exists(path))
        {
            try
            {
                _shipped = ModelCatalogue.Load(path);
                _gpu = _shipped.Gpu;
            }
            catch (Exception e) when (e is InferenceInputException or IOException)
            {
                _logger.LogWarning("Model catalogue {Path} not used: {Message}", path, e.Message);
            }
        }
        _gpu = new GpuSpec(_options.GpuName ?? _gpu.Name, _options.VramBytes ?? _gpu.VramBytes, _options.ReservedBytes);
        _state = new SchedulerState(new ModelCatalogue(_gpu, []));
        _liveness = new OllamaLivenessView
        {
            Url = Url,
            State = _ollama is null ? OllamaLivenessView.Disabled : OllamaLivenessView.Unknown,
            Detail = _ollama is null ? "model features are off (ConvoCanvas:Models:Enabled is false)" : "not checked yet",
        };
        if (_ollama is not null)
        {
            _housekeeping = this.RegisterGrainTimer(HousekeepingAsync, TimeSpan.Zero, TimeSpan.FromSeconds(1));
            return this.RegisterOrUpdateReminder(LivenessReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        return Task.CompletedTask;
    }

    /// <summary>The housekeeping timer probes while the grain is active; the reminder only makes sure it is.</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == LivenessReminder && Now - _lastProbe >= _options.ProbeSeconds)
        {
            await ProbeAsync(force: false);
        }
    }

    // ---- leases ----

    public async Task<LeaseGrant?> AcquireAsync(LeaseRequest request, TimeSpan wait)
    {
        if (!_tickets.TryGetValue(request.Ticket, out var ticket))
        {
            ticket = await AdmitAsync(request);
        }
        ticket.LastPolled = Now;
        try
        {
            var grant = await ticket.Done.Task.WaitAsync(wait);
            Forget(ticket);
            return grant;
        }
        catch (TimeoutException)
        {
            ticket.LastPolled = Now;
            return null;
        }
        catch
        {
            Forget(ticket);
            throw;
        }
    }

    public Task RenewAsync(Guid lease)
    {
        if (_leases.TryGetValue(lease, out var held))
        {
            held.RenewedAt = Now;
            _lastTokenAt = Now;
        }
        return Task.CompletedTask;
    }

    public Task ReleaseAsync(Guid lease, LeaseOutcome outcome)
    {
        if (outcome.Hung)
        {
            _liveness = _liveness with { State = OllamaLivenessView.Hung, Detail = outcome.Error, CheckedAt = DateTimeOffset.UtcNow };
        }
        else if (outcome.Stats is not null)
        {
            _lastTokenAt = Now;
            if (_liveness.State is OllamaLivenessView.Hung or OllamaLivenessView.Unknown or OllamaLivenessView.Unreachable)
            {
                _liveness = _liveness with { State = OllamaLivenessView.Ok, Detail = "a request finished", CheckedAt = DateTimeOffset.UtcNow, LastTokenAt = DateTimeOffset.UtcNow };
            }
        }
        if (_leases.Remove(lease, out var held))
        {
            ReturnToModel(held.Model);
            Pump();
        }
        return Task.CompletedTask;
    }

    public Task CancelAsync(Guid ticket)
    {
        if (_tickets.TryGetValue(ticket, out var waiting))
        {
            Drop(waiting, "the caller gave up");
            Pump();
        }
        else if (_leases.Values.FirstOrDefault(l => l.Ticket == ticket) is { } granted)
        {
            // Granted as the caller gave up: the lease goes back at once.
            _leases.Remove(granted.Id);
            ReturnToModel(granted.Model);
            Pump();
        }
        return Task.CompletedTask;
    }

    private async Task<Ticket> AdmitAsync(LeaseRequest request)
    {
        if (_ollama is null)
        {
            throw new ModelRequestException(ModelProblem.Unavailable, _liveness.Detail!);
        }
        var priority = ParsePriority(request.Priority);
        var spec = _state.Catalogue.Find(request.Model);
        if (spec is null)
        {
            // Perhaps installed since the last look.
            await RefreshAsync();
            spec = _state.Catalogue.Find(request.Model) ?? throw NotInstalled(request.Model);
        }
        var numCtx = request.NumCtx ?? DefaultCtx(spec);
        if (numCtx <= 0)
        {
            throw new ModelRequestException(ModelProblem.Invalid, $"num_ctx must be positive, not {numCtx}");
        }
        if (spec.ContextLength > 0 && numCtx > spec.ContextLength)
        {
            throw new ModelRequestException(ModelProblem.DoesNotFit, $"num_ctx {numCtx} is more than '{spec.Name}' takes ({spec.ContextLength})");
        }
        var inference = new InferenceRequest(++_nextRequestId, (long)(Now * 1000), spec.Name, priority, Math.Max(0, request.PromptTokens), Math.Max(0, request.OutputTokens), numCtx);
        if (!_policy.Admit(inference, _state, out var reason))
        {
            throw new ModelRequestException(ModelProblem.DoesNotFit, reason!);
        }
        _noPreload.Remove(spec.Name);
        var pending = new PendingRequest(inference, Now);
        var ticket = new Ticket(request, pending) { LastPolled = Now };
        _tickets[request.Ticket] = ticket;
        _ticketsByRequest[inference.Id] = ticket;
        _state.Enqueue(pending);
        Pump();
        return ticket;
    }

    private ModelRequestException NotInstalled(string model)
    {
        if (_liveness.State == OllamaLivenessView.Unreachable)
        {
            return new ModelRequestException(ModelProblem.Unavailable, _liveness.Detail ?? $"Ollama is not reachable at {Url}");
        }
        var installed = _installed.Keys.Order(StringComparer.Ordinal).ToList();
        return new ModelRequestException(ModelProblem.UnknownModel,
            $"model '{model}' is not installed in Ollama at {Url} (ollama pull {model}); installed: {(installed.Count == 0 ? "none" : string.Join(", ", installed))}");
    }

    private static Priority ParsePriority(string priority) => priority switch
    {
        ModelPriorities.Interactive => Priority.Interactive,
        ModelPriorities.Batch => Priority.Batch,
        ModelPriorities.Background => Priority.Background,
        _ => throw new ModelRequestException(ModelProblem.Invalid, $"priority '{priority}' is not one of {string.Join(", ", ModelPriorities.All)}"),
    };

    private static string PriorityName(Priority priority) => priority switch
    {
        Priority.Interactive => ModelPriorities.Interactive,
        Priority.Batch => ModelPriorities.Batch,
        _ => ModelPriorities.Background,
    };

    // ---- the policy's decisions, carried out ----

    /// <summary>Asks the policy what to do until it says wait; loads run in the background and pump again when done.</summary>
    private void Pump()
    {
        _state.Now = Now;
        while (true)
        {
            var decision = _policy.Decide(_state);
            _decisions++;
            switch (decision)
            {
                case DispatchDecision dispatch:
                    Grant(dispatch.Request);
                    break;
                case LoadDecision { Preload: true } preload when _noPreload.Contains(preload.Model):
                    // Nothing waits (a preload comes only then): the card stays as the person left it.
                    ScheduleWake();
                    Changed();
                    return;
                case LoadDecision load:
                    StartLoad(load);
                    break;
                case UnloadDecision unload:
                    if (_state.FindLoaded(unload.Model) is { } gone)
                    {
                        _state.RemoveLoaded(gone);
                        _ = UnloadQuietlyAsync(unload.Model);
                    }
                    break;
                case RejectDecision reject:
                    _state.Dequeue(reject.Request);
                    if (_ticketsByRequest.TryGetValue(reject.Request.Request.Id, out var rejected))
                    {
                        rejected.Done.TrySetException(new ModelRequestException(ModelProblem.DoesNotFit, reject.Reason));
                    }
                    break;
                default:
                    ScheduleWake();
                    Changed();
                    return;
            }
        }
    }

    /// <summary>Every change to the books ends in <see cref="Pump"/>, which ends here: watchers wake.</summary>
    private void Changed()
    {
        _version++;
        var changed = _changed;
        _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private void Grant(PendingRequest pending)
    {
        _state.Dequeue(pending);
        var model = _state.FindLoaded(pending.Model)!;
        model.Assigned++;
        if (!_ticketsByRequest.TryGetValue(pending.Request.Id, out var ticket))
        {
            ReturnToModel(model.Name);
            return;
        }
        var lease = new Lease(Guid.NewGuid(), ticket.Request.Ticket, model.Name, pending.Priority, ticket.Request.Caller, model.NumCtx, Now);
        _leases[lease.Id] = lease;
        _granted++;
        ticket.Lease = lease.Id;
        ticket.Done.TrySetResult(new LeaseGrant(lease.Id, model.Name, model.NumCtx, (Now - pending.EnqueuedAt) * 1000));
    }

    private void ReturnToModel(string name)
    {
        if (_state.FindLoaded(name) is { } model && model.Assigned > 0)
        {
            model.Assigned--;
            if (model.Assigned == 0)
            {
                model.IdleSince = Now;
            }
        }
    }

    private void StartLoad(LoadDecision load)
    {
        var victims = new List<string>();
        foreach (var name in load.Evict)
        {
            if (_state.FindLoaded(name) is { } victim)
            {
                _state.RemoveLoaded(victim);
                _outside.Remove(name);
                victims.Add(name);
            }
        }
        var loading = new LoadedModel(_state.Catalogue[load.Model], load.NumCtx, Now) { Ready = false };
        _state.AddLoaded(loading);
        _loading = load.Model;
        _ = LoadAsync(loading, victims);
    }

    private async Task LoadAsync(LoadedModel loading, List<string> victims)
    {
        var name = loading.Name;
        try
        {
            double seconds;
            try
            {
                foreach (var victim in victims)
                {
                    await _ollama!.UnloadAsync(victim);
                    _logger.LogInformation("Unloaded {Model} to make room for {For}", victim, name);
                }
                seconds = await _ollama!.LoadAsync(name, loading.NumCtx, OllamaGateway.KeepForever);
            }
            catch (Exception e)
            {
                LoadFailed(loading, e);
                return;
            }
            // Loaded: a failure to read /api/ps now only leaves the measurement unknown until the next reconcile.
            RunningModelInfo? running = null;
            try
            {
                running = (await _ollama.RunningAsync()).FirstOrDefault(r => r.Name == name);
            }
            catch (OllamaException e)
            {
                _logger.LogWarning("Loaded {Model}, but /api/ps did not answer: {Message}", name, e.Message);
            }
            // While Ollama loaded, the books may have swapped the entry for one with a new spec (a pin, a
            // measured size: RebuildCatalogue): the entry in the books is the one that becomes ready.
            var booked = Booked(loading);
            booked.Ready = true;
            booked.IdleSince = Now;
            var measured = _measured.GetValueOrDefault(name) ?? new ModelMeasurement();
            _measured[name] = measured with
            {
                LoadSeconds = seconds,
                VramBytes = running?.SizeVramBytes ?? measured.VramBytes,
                NumCtx = running is null ? measured.NumCtx : running.ContextLength > 0 ? running.ContextLength : loading.NumCtx,
            };
            RebuildCatalogue();
            _logger.LogInformation("Loaded {Model} with num_ctx {NumCtx} in {Seconds:0.00} s ({Vram} in VRAM)", name, loading.NumCtx, seconds, running is null ? "unknown" : VramEstimate.Gb(running.SizeVramBytes));
            _ = RecordLoadAsync(name, seconds, running?.SizeVramBytes, loading.NumCtx, null);
        }
        finally
        {
            _loading = null;
            Pump();
        }
    }

    /// <summary>A load that failed: out of the books, and the requests waiting for it hear why rather than waiting for a load that will fail again.</summary>
    private void LoadFailed(LoadedModel loading, Exception e)
    {
        var name = loading.Name;
        _state.RemoveLoaded(Booked(loading));
        var problem = Problem(e);
        var message = e is OllamaException ? e.Message : $"loading '{name}' failed: {e.Message}";
        _logger.LogWarning("Loading {Model} failed: {Message}", name, message);
        if (e is OllamaUnavailableException)
        {
            _liveness = _liveness with { State = OllamaLivenessView.Unreachable, Detail = e.Message, CheckedAt = DateTimeOffset.UtcNow };
        }
        foreach (var pending in _state.Queue.Where(p => p.Model == name).ToList())
        {
            _state.Dequeue(pending);
            if (_ticketsByRequest.TryGetValue(pending.Request.Id, out var waiting))
            {
                waiting.Done.TrySetException(new ModelRequestException(problem, $"could not load '{name}': {message}"));
            }
        }
        _ = RecordLoadAsync(name, 0, null, loading.NumCtx, message);
    }

    /// <summary>The books' entry for a model being loaded: the same object, or the one that replaced it; put back if it went.</summary>
    private LoadedModel Booked(LoadedModel loading)
    {
        if (_state.FindLoaded(loading.Name) is { } booked)
        {
            return booked;
        }
        _state.AddLoaded(loading);
        return loading;
    }

    private async Task RecordLoadAsync(string model, double seconds, long? vram, int numCtx, string? error)
    {
        try
        {
            await GrainFactory.GetGrain<IModelSlotGrain>(model).RecordLoadAsync(seconds, vram, numCtx, error);
        }
        catch (Exception e)
        {
            _logger.LogDebug(e, "Recording a load of {Model} failed", model);
        }
    }

    private async Task UnloadQuietlyAsync(string model)
    {
        try
        {
            await _ollama!.UnloadAsync(model);
        }
        catch (OllamaException e)
        {
            _logger.LogWarning("Unloading {Model} failed: {Message}", model, e.Message);
        }
    }

    private void ScheduleWake()
    {
        var next = _policy.NextWakeUp(_state);
        _wake?.Dispose();
        _wake = null;
        if (next is { } at)
        {
            var due = TimeSpan.FromSeconds(Math.Max(0.001, at - Now));
            _wake = this.RegisterGrainTimer(() => { Pump(); return Task.CompletedTask; }, due, Timeout.InfiniteTimeSpan);
        }
    }

    internal static ModelProblem Problem(Exception e) => e switch
    {
        ModelRequestException m => m.Problem,
        OllamaUnavailableException => ModelProblem.Unavailable,
        OllamaModelNotFoundException => ModelProblem.UnknownModel,
        OllamaHangException => ModelProblem.Hung,
        _ => ModelProblem.Failed,
    };

    // ---- reconciliation with Ollama, liveness ----

    private async Task HousekeepingAsync()
    {
        var now = Now;
        var changed = false;
        foreach (var ticket in _tickets.Values.ToList())
        {
            if (now - ticket.LastPolled > _options.TicketTimeoutSeconds)
            {
                Drop(ticket, "its caller stopped asking");
                changed = true;
            }
        }
        foreach (var lease in _leases.Values.ToList())
        {
            if (now - lease.RenewedAt > _options.LeaseTtlSeconds)
            {
                _leases.Remove(lease.Id);
                ReturnToModel(lease.Model);
                _reclaimed++;
                _logger.LogWarning("Took back the lease on {Model} held by {Caller}: not renewed for {Seconds:0} s", lease.Model, lease.Caller ?? "an unknown caller", now - lease.RenewedAt);
                changed = true;
            }
        }
        if (changed)
        {
            Pump();
        }
        if (now - _lastRefresh >= _options.ReconcileSeconds)
        {
            await RefreshAsync();
        }
        if (now - _lastProbe >= _options.ProbeSeconds)
        {
            await ProbeAsync(force: false);
        }
    }

    /// <summary>Drops a queued ticket, or gives back the lease of one granted and never collected.</summary>
    private void Drop(Ticket ticket, string why)
    {
        Forget(ticket);
        if (ticket.Lease is { } lease)
        {
            if (_leases.Remove(lease, out var held))
            {
                ReturnToModel(held.Model);
            }
        }
        else
        {
            _state.Dequeue(ticket.Pending);
            ticket.Done.TrySetException(new ModelRequestException(ModelProblem.Failed, $"the request for '{ticket.Request.Model}' was dropped: {why}"));
        }
        _logger.LogInformation("Dropped a request for {Model} from {Caller}: {Why}", ticket.Request.Model, ticket.Request.Caller ?? "an unknown caller", why);
    }

    private void Forget(Ticket ticket)
    {
        _tickets.Remove(ticket.Request.Ticket);
        _ticketsByRequest.Remove(ticket.Pending.Request.Id);
    }

    private Task RefreshAsync()
    {
        if (_ollama is null)
        {
            return Task.CompletedTask;
        }
        return _refreshing ??= RefreshCoreAsync();
    }

    private async Task RefreshCoreAsync()
    {
        try
        {
            var tags = await _ollama!.ListAsync();
            foreach (var model in tags)
            {
                if (!_installed.TryGetValue(model.Name, out var known) || known.SizeBytes != model.SizeBytes)
                {
                    try
                    {
                        _installed[model.Name] = await _ollama.ShowAsync(model.Name);
                    }
                    catch (OllamaModelNotFoundException)
                    {
                        // Removed between the two calls.
                    }
                }
            }
            foreach (var gone in _installed.Keys.Except(tags.Select(t => t.Name)).ToList())
            {
                _installed.Remove(gone);
            }
            var running = await _ollama.RunningAsync();
            RebuildCatalogue();
            ReconcileLoaded(running);
            _refreshedOnce = true;
            if (_liveness.State is OllamaLivenessView.Unreachable or OllamaLivenessView.Unknown)
            {
                _liveness = _liveness with { State = OllamaLivenessView.Ok, Detail = $"reachable, {tags.Count} models installed", CheckedAt = DateTimeOffset.UtcNow };
            }
        }
        catch (OllamaException e)
        {
            _liveness = _liveness with
            {
                State = e is OllamaUnavailableException ? OllamaLivenessView.Unreachable : OllamaLivenessView.Hung,
                Detail = e.Message,
                CheckedAt = DateTimeOffset.UtcNow,
            };
        }
        finally
        {
            _lastRefresh = Now;
            _refreshing = null;
            Pump();
        }
    }

    /// <summary>The books follow /api/ps: loads and unloads made from outside ConvoCanvas, and the VRAM Ollama really gave each model.</summary>
    private void ReconcileLoaded(IReadOnlyList<RunningModelInfo> running)
    {
        foreach (var model in running)
        {
            var measured = _measured.GetValueOrDefault(model.Name) ?? new ModelMeasurement();
            if (model.SizeVramBytes > 0)
            {
                _measured[model.Name] = measured with { VramBytes = model.SizeVramBytes, NumCtx = model.ContextLength > 0 ? model.ContextLength : measured.NumCtx };
            }
            var booked = _state.FindLoaded(model.Name);
            if (booked is null && _state.Catalogue.Find(model.Name) is { } spec)
            {
                var numCtx = model.ContextLength > 0 ? model.ContextLength : _options.DefaultNumCtx;
                _state.AddLoaded(new LoadedModel(spec, numCtx, Now) { Ready = true });
                _outside.Add(model.Name);
                _logger.LogWarning("{Model} was loaded outside ConvoCanvas (num_ctx {NumCtx}); it is in the books now", model.Name, numCtx);
            }
        }
        foreach (var booked in _state.Loaded.ToList())
        {
            if (booked.Ready && booked.Assigned == 0 && running.All(r => r.Name != booked.Name))
            {
                _state.RemoveLoaded(booked);
                _outside.Remove(booked.Name);
                _logger.LogWarning("{Model} was unloaded outside ConvoCanvas; it is out of the books now", booked.Name);
            }
        }
        RebuildCatalogue();
    }

    /// <summary>A new catalogue from what is installed, pinned and measured; loaded models take their new specs.</summary>
    private void RebuildCatalogue()
    {
        var catalogue = FleetCatalogue.Build(_gpu, _installed.Values, _shipped, _measured, EffectivePins());
        _state.Catalogue = catalogue;
        foreach (var loaded in _state.Loaded.ToList())
        {
            if (catalogue.Find(loaded.Name) is { } spec && spec != loaded.Spec)
            {
                _state.RemoveLoaded(loaded);
                _state.AddLoaded(new LoadedModel(spec, loaded.NumCtx, loaded.LoadedAt) { Ready = loaded.Ready, Assigned = loaded.Assigned, IdleSince = loaded.IdleSince });
            }
        }
    }

    private HashSet<string> EffectivePins()
    {
        var pins = new HashSet<string>(_options.Pinned, StringComparer.Ordinal);
        foreach (var (model, pinned) in _record.State.Pins)
        {
            if (pinned)
            {
                pins.Add(model);
            }
            else
            {
                pins.Remove(model);
            }
        }
        return pins;
    }

    private async Task ProbeAsync(bool force)
    {
        _lastProbe = Now;
        if (_ollama is null)
        {
            return;
        }
        if (!force && _lastTokenAt is { } at && Now - at < _options.ProbeSeconds)
        {
            _liveness = _liveness with { State = OllamaLivenessView.Ok, Detail = "tokens are flowing", CheckedAt = DateTimeOffset.UtcNow, LastTokenAt = DateTimeOffset.UtcNow.AddSeconds(at - Now) };
            return;
        }
        if (_liveness.State == OllamaLivenessView.Unreachable)
        {
            return;
        }
        // A loaded, idle model that writes text: a one-token answer proves the runner works without loading anything.
        var probe = _state.Loaded.Where(m => m.Idle && m.Spec.TokensPerSecond > 0).OrderBy(m => m.VramBytes).FirstOrDefault();
        if (probe is null)
        {
            return;
        }
        probe.Assigned++;
        var started = Stopwatch.GetTimestamp();
        try
        {
            await foreach (var _ in _ollama.GenerateAsync(probe.Name, "Reply with one word: ok", probe.NumCtx, maxTokens: 1, stallTimeout: TimeSpan.FromSeconds(_options.ProbeTimeoutSeconds)))
            {
            }
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            _lastTokenAt = Now;
            _liveness = _liveness with { State = OllamaLivenessView.Ok, Detail = $"one token from {probe.Name} in {ms:0} ms", ProbeMs = ms, ProbedModel = probe.Name, CheckedAt = DateTimeOffset.UtcNow, LastTokenAt = DateTimeOffset.UtcNow };
        }
        catch (OllamaException e)
        {
            _liveness = _liveness with
            {
                State = e is OllamaUnavailableException ? OllamaLivenessView.Unreachable : OllamaLivenessView.Hung,
                Detail = e.Message,
                ProbedModel = probe.Name,
                ProbeMs = null,
                CheckedAt = DateTimeOffset.UtcNow,
            };
            _logger.LogWarning("Ollama liveness probe on {Model}: {Message}", probe.Name, e.Message);
        }
        finally
        {
            ReturnToModel(probe.Name);
            Pump();
        }
    }

    public async Task<OllamaLivenessView> CheckAsync()
    {
        await RefreshAsync();
        await ProbeAsync(force: true);
        return _liveness;
    }

    // ---- views and commands ----

    public Task<GpuStatusView> GetStatusAsync()
    {
        var now = Now;
        var pins = EffectivePins();
        return Task.FromResult(new GpuStatusView
        {
            Gpu = _gpu.Name,
            VramBytes = _gpu.VramBytes,
            BudgetBytes = _gpu.BudgetBytes,
            UsedBytes = _state.LoadedBytes,
            Loaded = _state.Loaded.OrderBy(m => m.Name, StringComparer.Ordinal).Select(m => new LoadedModelView
            {
                Model = m.Name,
                NumCtx = m.NumCtx,
                VramBytes = m.VramBytes,
                Ready = m.Ready,
                Pinned = pins.Contains(m.Name),
                Running = m.Assigned,
                IdleSeconds = m.Idle ? now - m.IdleSince : 0,
                Outside = _outside.Contains(m.Name),
            }).ToList(),
            Leases = _leases.Values.OrderBy(l => l.GrantedAt).Select(l => new LeaseView
            {
                Id = l.Id,
                Model = l.Model,
                Priority = PriorityName(l.Priority),
                HeldMs = (now - l.GrantedAt) * 1000,
                Caller = l.Caller,
                NumCtx = l.NumCtx,
            }).ToList(),
            Queue = _state.Queue.Select(p => new QueuedRequestView
            {
                Model = p.Model,
                Priority = PriorityName(p.Priority),
                WaitingMs = (now - p.EnqueuedAt) * 1000,
                NumCtx = p.NumCtx,
                Caller = _ticketsByRequest.GetValueOrDefault(p.Request.Id)?.Request.Caller,
            }).ToList(),
            Loading = _loading,
            Ollama = _liveness with { Url = Url },
            Policy = _policy.Name,
            Decisions = _decisions,
            LeasesGranted = _granted,
            LeasesReclaimed = _reclaimed,
            Version = _version,
        });
    }

    public async Task<GpuStatusView> WatchAsync(long afterVersion, TimeSpan wait)
    {
        if (_version <= afterVersion)
        {
            try
            {
                await _changed.Task.WaitAsync(wait);
            }
            catch (TimeoutException)
            {
                // Nothing changed: the caller gets the same books and asks again.
            }
        }
        return await GetStatusAsync();
    }

    public async Task<IReadOnlyList<ModelView>> ListModelsAsync()
    {
        await EnsureKnownAsync();
        var pins = EffectivePins();
        var stats = await Task.WhenAll(_installed.Keys.Select(async name => (name, stats: await GrainFactory.GetGrain<IModelSlotGrain>(name).GetStatsAsync())));
        var byName = stats.ToDictionary(s => s.name, s => s.stats, StringComparer.Ordinal);
        return _installed.Values.OrderBy(f => f.Name, StringComparer.Ordinal).Select(facts =>
        {
            var spec = _state.Catalogue.Find(facts.Name);
            var loaded = _state.FindLoaded(facts.Name);
            var estimate = spec is null ? 0 : VramEstimate.Of(spec, DefaultCtx(spec)).TotalBytes;
            return new ModelView
            {
                Name = facts.Name,
                SizeBytes = facts.SizeBytes,
                Family = facts.Architecture,
                ParameterSize = facts.ParameterSize,
                Quantization = facts.Quantization,
                ContextLength = facts.ContextLength,
                KvBytesPerToken = spec?.KvBytesPerToken ?? facts.KvBytesPerToken,
                Capabilities = facts.Capabilities,
                Pinned = pins.Contains(facts.Name),
                Loaded = loaded is not null,
                LoadedNumCtx = loaded?.NumCtx,
                VramEstimateBytes = estimate,
                VramMeasuredBytes = _measured.GetValueOrDefault(facts.Name)?.VramBytes,
                Stats = byName[facts.Name],
                TooLarge = estimate > _gpu.BudgetBytes,
            };
        }).ToList();
    }

    /// <summary>The router's view: each installed model's VRAM at <paramref name="numCtx"/>, and whether it fits beside the pinned ones.</summary>
    public async Task<IReadOnlyList<ModelFit>> FitsAsync(int? numCtx)
    {
        await EnsureKnownAsync();
        var pinned = _state.Loaded.Where(m => m.Spec.Pinned).ToList();
        return _installed.Values.Select(facts =>
        {
            var spec = _state.Catalogue[facts.Name];
            var ctx = numCtx ?? DefaultCtx(spec);
            var bytes = VramEstimate.Of(spec, ctx).TotalBytes;
            var beside = pinned.Where(p => p.Name != facts.Name).Sum(p => p.VramBytes);
            var fits = bytes + beside <= _gpu.BudgetBytes && (spec.ContextLength == 0 || ctx <= spec.ContextLength);
            return new ModelFit(facts.Name, facts.Generates, facts.Embeds, bytes, fits, _state.FindLoaded(facts.Name) is { Ready: true }, ctx);
        }).OrderBy(f => f.Model, StringComparer.Ordinal).ToList();
    }

    private int DefaultCtx(ModelSpec spec) => spec.ContextLength > 0 ? Math.Min(spec.ContextLength, _options.DefaultNumCtx) : _options.DefaultNumCtx;

    private async Task EnsureKnownAsync()
    {
        if (_ollama is null)
        {
            throw new ModelRequestException(ModelProblem.Unavailable, _liveness.Detail!);
        }
        if (!_refreshedOnce || _liveness.State == OllamaLivenessView.Unreachable)
        {
            await RefreshAsync();
        }
        if (!_refreshedOnce && _liveness.State == OllamaLivenessView.Unreachable)
        {
            throw new ModelRequestException(ModelProblem.Unavailable, _liveness.Detail ?? $"Ollama is not reachable at {Url}");
        }
    }

    public async Task SetPinnedAsync(string model, bool pinned)
    {
        await EnsureKnownAsync();
        if (!_installed.ContainsKey(model))
        {
            throw NotInstalled(model);
        }
        _record.State.Pins[model] = pinned;
        await _record.WriteStateAsync();
        RebuildCatalogue();
        Pump();
    }

    public async Task LoadAsync(string model, int? numCtx)
    {
        var ticket = Guid.NewGuid();
        var request = new LeaseRequest { Ticket = ticket, Model = model, NumCtx = numCtx, Priority = ModelPriorities.Interactive, Caller = "load" };
        LeaseGrant? grant = null;
        try
        {
            while (grant is null)
            {
                grant = await AcquireAsync(request, TimeSpan.FromSeconds(2));
            }
        }
        finally
        {
            if (grant is null)
            {
                await CancelAsync(ticket);
            }
            else
            {
                await ReleaseAsync(grant.Id, new LeaseOutcome());
            }
        }
    }

    public async Task UnloadAsync(string model)
    {
        await EnsureKnownAsync();
        var loaded = _state.FindLoaded(model) ?? throw new ModelRequestException(ModelProblem.Conflict, $"'{model}' is not loaded");
        if (loaded.Spec.Pinned)
        {
            throw new ModelRequestException(ModelProblem.Conflict, $"'{model}' is pinned: unpin it first (convocanvas models unpin {model})");
        }
        if (!loaded.Idle)
        {
            throw new ModelRequestException(ModelProblem.Conflict, $"'{model}' is {(loaded.Ready ? $"running {loaded.Assigned} request(s)" : "loading")}; try again when it is idle");
        }
        _state.RemoveLoaded(loaded);
        _outside.Remove(model);
        _noPreload.Add(model);
        try
        {
            await _ollama!.UnloadAsync(model);
        }
        finally
        {
            Pump();
        }
    }

    private sealed class Ticket(LeaseRequest request, PendingRequest pending)
    {
        public LeaseRequest Request { get; } = request;

        public PendingRequest Pending { get; } = pending;

        public TaskCompletionSource<LeaseGrant> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public double LastPolled { get; set; }

        /// <summary>Set once granted; the grant waits here until its caller collects it.</summary>
        public Guid? Lease { get; set; }
    }

    private sealed class Lease(Guid id, Guid ticket, string model, Priority priority, string? caller, int numCtx, double grantedAt)
    {
        public Guid Id { get; } = id;
        public Guid Ticket { get; } = ticket;
        public string Model { get; } = model;
        public Priority Priority { get; } = priority;
        public string? Caller { get; } = caller;
        public int NumCtx { get; } = numCtx;
        public double GrantedAt { get; } = grantedAt;
        public double RenewedAt { get; set; } = grantedAt;
    }
}
