namespace ConvoCanvas.Inference.Routing;

/// <summary>An installed model as the router weighs it, at the num_ctx the request needs.</summary>
/// <param name="Fits">its VRAM estimate fits the budget beside the pinned models.</param>
public sealed record RouteCandidate(string Name, bool Generates, bool Embeds, long VramBytes, bool Fits, bool Loaded);

public sealed record RouteChoice(string Model, string Reason);

/// <summary>
/// The supervisor's rule: a task kind (chat, code, reasoning, summarise, embed) has an ordered list of
/// preferred models; the first that is installed, can do the task and fits wins. When none does, any
/// installed model that can do the task and fits, loaded ones first (no load to wait for), then the
/// largest (more parameters, better answers). When nothing fits, an error that says what was tried.
/// </summary>
public static class ModelRouter
{
    /// <summary>The defaults for the 17-model RTX 4080 fleet; silo-config overrides them per kind.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> DefaultPreferences = new Dictionary<string, IReadOnlyList<string>>
    {
        ["chat"] = ["llama3.1:8b", "qwen2.5:7b", "gemma2:9b", "mistral:7b", "llama3.2:3b", "phi3:mini", "llama3.2:1b"],
        ["code"] = ["qwen2.5-coder:14b", "qwen2.5-coder:7b", "codellama:7b", "deepseek-r1:8b"],
        ["reasoning"] = ["deepseek-r1:14b", "phi4", "deepseek-r1:8b", "deepseek-r1:7b"],
        ["summarise"] = ["llama3.2:3b", "qwen2.5:7b", "llama3.1:8b", "mistral:7b"],
        ["embed"] = ["nomic-embed-text", "mxbai-embed-large"],
    };

    public static RouteChoice Choose(string kind, int numCtx, IReadOnlyDictionary<string, IReadOnlyList<string>> preferences, IReadOnlyList<RouteCandidate> installed)
    {
        if (!preferences.TryGetValue(kind, out var preferred) && !DefaultPreferences.TryGetValue(kind, out preferred))
        {
            throw new RoutingException(RoutingFailure.UnknownKind, $"task kind '{kind}' is not one of {string.Join(", ", preferences.Keys.Union(DefaultPreferences.Keys).Order())}");
        }
        var embed = kind == "embed";
        bool Can(RouteCandidate c) => embed ? c.Embeds : c.Generates;
        var byName = installed.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var tried = new List<string>();
        foreach (var name in preferred)
        {
            if (!byName.TryGetValue(name, out var candidate))
            {
                tried.Add($"{name} (not installed)");
            }
            else if (!Can(candidate))
            {
                tried.Add($"{name} (cannot {(embed ? "embed" : "generate")})");
            }
            else if (!candidate.Fits)
            {
                tried.Add($"{name} (needs {candidate.VramBytes / 1e9:F1} GB at num_ctx {numCtx})");
            }
            else
            {
                var rank = tried.Count == 0 ? "first preference" : $"preference {tried.Count + 1}; before it: {string.Join(", ", tried)}";
                return new RouteChoice(name, $"{kind}: {name}, {rank}");
            }
        }
        var fallback = installed
            .Where(c => Can(c) && c.Fits)
            .OrderByDescending(c => c.Loaded)
            .ThenByDescending(c => c.VramBytes)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        if (fallback is not null)
        {
            return new RouteChoice(fallback.Name, $"{kind}: {fallback.Name}, an installed model that fits{(fallback.Loaded ? " and is loaded" : "")} (none of the preferences could: {string.Join(", ", tried)})");
        }
        var others = installed.Where(Can).Select(c => $"{c.Name} ({c.VramBytes / 1e9:F1} GB)").ToList();
        throw new RoutingException(RoutingFailure.NothingFits,
            $"no installed model can do '{kind}' at num_ctx {numCtx}: tried {string.Join(", ", tried)}"
            + (others.Count > 0 ? $"; installed and able but too large: {string.Join(", ", others)}" : installed.Count == 0 ? "; no models are installed" : ""));
    }
}

public enum RoutingFailure
{
    UnknownKind,
    NothingFits,
}

public sealed class RoutingException(RoutingFailure failure, string message) : Exception(message)
{
    public RoutingFailure Failure { get; } = failure;
}
