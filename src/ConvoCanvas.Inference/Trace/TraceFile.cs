using System.Globalization;
using System.Text;
using System.Text.Json;
using ConvoCanvas.Inference.Catalogue;

namespace ConvoCanvas.Inference.Trace;

/// <summary>
/// Request traces as JSONL, one request a line:
/// <c>{"t_ms":0,"model":"llama3.1:8b","priority":"interactive","prompt_tokens":800,"output_tokens":300,"num_ctx":4096}</c>.
/// Blank lines are skipped. Every bad line is reported with its number; the requests come back in time order.
/// </summary>
public static class TraceFile
{
    /// <summary>How many bad lines one error message lists before it only counts the rest.</summary>
    public const int MaxReportedErrors = 10;

    public static IReadOnlyList<InferenceRequest> Load(string path, ModelCatalogue? catalogue = null)
    {
        try
        {
            using var reader = new StreamReader(path, Encoding.UTF8);
            return Read(reader, Path.GetFileName(path), catalogue);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InferenceInputException($"trace '{path}': cannot be read: {ex.Message}");
        }
    }

    /// <summary>
    /// Reads a trace; with a catalogue, also checks each request against it (a known model, a num_ctx
    /// whose VRAM estimate fits the card and that the model takes).
    /// </summary>
    public static IReadOnlyList<InferenceRequest> Read(TextReader reader, string file, ModelCatalogue? catalogue = null)
    {
        var requests = new List<InferenceRequest>();
        var errors = new List<string>();
        var errorCount = 0;
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var problem = ParseLine(line, requests.Count, catalogue, out var request);
            if (problem is null)
            {
                requests.Add(request!);
                continue;
            }
            errorCount++;
            if (errors.Count < MaxReportedErrors)
            {
                errors.Add($"line {lineNumber}: {problem}");
            }
        }
        if (errorCount > 0)
        {
            var more = errorCount > errors.Count ? $"; and {errorCount - errors.Count} more bad lines" : "";
            throw new InferenceInputException($"trace '{file}': {errorCount} bad line{(errorCount == 1 ? "" : "s")}: {string.Join("; ", errors)}{more}");
        }
        // Stable: requests that arrive in the same millisecond keep their order in the file.
        var ordered = requests.OrderBy(r => r.TMs).ToList();
        return ordered.Select((r, i) => r with { Id = i }).ToList();
    }

    private static string? ParseLine(string line, int id, ModelCatalogue? catalogue, out InferenceRequest? request)
    {
        request = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            return $"not a JSON object ({ex.Message.Split(" LineNumber", 2)[0]})";
        }
        using (document)
        {
            var o = document.RootElement;
            if (o.ValueKind != JsonValueKind.Object)
            {
                return "not a JSON object";
            }
            if (!Long(o, "t_ms", out var tMs) || tMs < 0)
            {
                return "\"t_ms\" is missing or not a whole number ≥ 0";
            }
            if (!o.TryGetProperty("model", out var modelElement) || modelElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(modelElement.GetString()))
            {
                return "\"model\" is missing or empty";
            }
            var model = modelElement.GetString()!;
            if (!o.TryGetProperty("priority", out var priorityElement) || priorityElement.ValueKind != JsonValueKind.String
                || !TryPriority(priorityElement.GetString()!, out var priority))
            {
                return "\"priority\" must be \"interactive\", \"batch\" or \"background\"";
            }
            if (!Long(o, "prompt_tokens", out var prompt) || prompt < 0 || prompt > int.MaxValue)
            {
                return "\"prompt_tokens\" is missing or not a whole number ≥ 0";
            }
            if (!Long(o, "output_tokens", out var output) || output < 0 || output > int.MaxValue)
            {
                return "\"output_tokens\" is missing or not a whole number ≥ 0";
            }
            if (prompt + output == 0)
            {
                return "a request must read or write at least one token";
            }
            if (!Long(o, "num_ctx", out var numCtx) || numCtx <= 0 || numCtx > int.MaxValue)
            {
                return "\"num_ctx\" is missing or not a positive whole number";
            }
            if (catalogue is not null)
            {
                var spec = catalogue.Find(model);
                if (spec is null)
                {
                    return $"unknown model '{model}' (not in the catalogue)";
                }
                if (output > 0 && spec.TokensPerSecond <= 0)
                {
                    return $"'{model}' does not generate (tokens_per_s 0 in the catalogue), but the request asks for {output} output tokens";
                }
                if (spec.ContextLength > 0 && numCtx > spec.ContextLength)
                {
                    return $"num_ctx {numCtx} for '{model}' is more than its context length {spec.ContextLength}";
                }
                var estimate = VramEstimate.Of(spec, (int)numCtx);
                if (estimate.TotalBytes > catalogue.Gpu.BudgetBytes)
                {
                    return $"num_ctx {numCtx} for '{model}' needs {estimate}, more than the {VramEstimate.Gb(catalogue.Gpu.BudgetBytes)} the {catalogue.Gpu.Name} offers";
                }
            }
            request = new InferenceRequest(id, tMs, model, priority, (int)prompt, (int)output, (int)numCtx);
            return null;
        }
    }

    private static bool Long(JsonElement o, string name, out long value)
    {
        value = 0;
        return o.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value);
    }

    public static bool TryPriority(string text, out Priority priority)
    {
        switch (text.ToLowerInvariant())
        {
            case "interactive": priority = Priority.Interactive; return true;
            case "batch": priority = Priority.Batch; return true;
            case "background": priority = Priority.Background; return true;
            default: priority = default; return false;
        }
    }

    public static string Name(Priority priority) => priority switch
    {
        Priority.Interactive => "interactive",
        Priority.Batch => "batch",
        _ => "background",
    };

    public static void Write(TextWriter writer, IEnumerable<InferenceRequest> requests)
    {
        foreach (var r in requests)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"{{\"t_ms\":{r.TMs},\"model\":{JsonSerializer.Serialize(r.Model)},\"priority\":\"{Name(r.Priority)}\",\"prompt_tokens\":{r.PromptTokens},\"output_tokens\":{r.OutputTokens},\"num_ctx\":{r.NumCtx}}}"));
            writer.Write('\n');
        }
    }

    public static void Save(string path, IEnumerable<InferenceRequest> requests)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        Write(writer, requests);
    }
}
