using System.Text.Json;

namespace ConvoCanvas.Inference.Catalogue;

/// <summary>
/// The GPU and the models that may run on it, read from a catalogue JSON file:
/// <c>{"gpu":{"name":"RTX 4080","vram_bytes":17171480576},"models":[{"name":"deepseek-r1:8b","file_bytes":5200000000,
/// "kv_bytes_per_token":147456,"load_seconds":2.6,"prompt_tokens_per_s":5000,"tokens_per_s":95}]}</c>.
/// Optional per model: <c>overhead_bytes</c>, <c>context_length</c>, <c>pinned</c>; on the gpu: <c>reserved_bytes</c>.
/// </summary>
public sealed class ModelCatalogue
{
    private readonly Dictionary<string, ModelSpec> _byName;

    public ModelCatalogue(GpuSpec gpu, IReadOnlyList<ModelSpec> models)
    {
        Gpu = gpu;
        Models = models;
        _byName = models.ToDictionary(m => m.Name, StringComparer.Ordinal);
    }

    public GpuSpec Gpu { get; }

    public IReadOnlyList<ModelSpec> Models { get; }

    public ModelSpec? Find(string name) => _byName.GetValueOrDefault(name);

    public ModelSpec this[string name] => _byName[name];

    public static ModelCatalogue Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InferenceInputException($"catalogue '{path}': cannot be read: {ex.Message}");
        }
        return Parse(text, Path.GetFileName(path));
    }

    /// <summary>Parses catalogue JSON; every error names <paramref name="file"/> and the model (by position and name).</summary>
    public static ModelCatalogue Parse(string json, string file)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new InferenceInputException($"catalogue '{file}': not valid JSON: {ex.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InferenceInputException($"catalogue '{file}': expected an object with \"gpu\" and \"models\"");
            }
            if (!root.TryGetProperty("gpu", out var gpuElement) || gpuElement.ValueKind != JsonValueKind.Object)
            {
                throw new InferenceInputException($"catalogue '{file}': \"gpu\" is missing (expected {{\"name\":\"RTX 4080\",\"vram_bytes\":17171480576}})");
            }
            var gpuReader = new Fields(gpuElement, $"catalogue '{file}': gpu");
            var gpu = new GpuSpec(
                gpuReader.String("name"),
                gpuReader.Long("vram_bytes", positive: true),
                gpuReader.OptionalLong("reserved_bytes") ?? 0);
            if (gpu.ReservedBytes < 0 || gpu.ReservedBytes >= gpu.VramBytes)
            {
                throw new InferenceInputException($"catalogue '{file}': gpu: reserved_bytes must be at least 0 and less than vram_bytes");
            }

            if (!root.TryGetProperty("models", out var modelsElement) || modelsElement.ValueKind != JsonValueKind.Array)
            {
                throw new InferenceInputException($"catalogue '{file}': \"models\" is missing or not an array");
            }
            var models = new List<ModelSpec>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var index = 0;
            foreach (var element in modelsElement.EnumerateArray())
            {
                index++;
                var name = element.ValueKind == JsonValueKind.Object && element.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                var where = $"catalogue '{file}': model {index}{(name is null ? "" : $" ('{name}')")}";
                if (element.ValueKind != JsonValueKind.Object)
                {
                    throw new InferenceInputException($"{where}: expected an object");
                }
                var fields = new Fields(element, where);
                var model = new ModelSpec(
                    fields.String("name"),
                    fields.Long("file_bytes", positive: true),
                    fields.Long("kv_bytes_per_token", positive: true),
                    fields.Double("load_seconds", positive: false),
                    fields.Double("prompt_tokens_per_s", positive: true),
                    fields.Double("tokens_per_s", positive: false),
                    fields.OptionalLong("overhead_bytes") ?? ModelSpec.DefaultOverheadBytes,
                    (int)(fields.OptionalLong("context_length") ?? 0),
                    fields.OptionalBool("pinned") ?? false);
                if (!seen.Add(model.Name))
                {
                    throw new InferenceInputException($"{where}: the name appears twice in the catalogue");
                }
                if (model.OverheadBytes < 0 || model.ContextLength < 0)
                {
                    throw new InferenceInputException($"{where}: overhead_bytes and context_length cannot be negative");
                }
                // The smallest useful context (512 tokens) must fit on an empty card, or the model can never run.
                var smallest = VramEstimate.Of(model, 512);
                if (smallest.TotalBytes > gpu.BudgetBytes)
                {
                    throw new InferenceInputException(
                        $"{where}: needs {smallest} even at num_ctx 512, more than the {VramEstimate.Gb(gpu.BudgetBytes)} the {gpu.Name} offers; remove it or choose a smaller quantisation");
                }
                models.Add(model);
            }
            if (models.Count == 0)
            {
                throw new InferenceInputException($"catalogue '{file}': \"models\" is empty");
            }
            return new ModelCatalogue(gpu, models);
        }
    }

    /// <summary>Reads named fields of one JSON object and says which field of which item is wrong.</summary>
    private readonly struct Fields(JsonElement element, string where)
    {
        public string String(string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
                ? value.GetString()!
                : throw new InferenceInputException($"{where}: \"{name}\" is missing or not a non-empty string");

        public long Long(string name, bool positive) =>
            OptionalLong(name) is { } value && (!positive || value > 0)
                ? value
                : throw new InferenceInputException($"{where}: \"{name}\" is missing or not a {(positive ? "positive " : "")}whole number");

        public long? OptionalLong(string name)
        {
            if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
                ? number
                : throw new InferenceInputException($"{where}: \"{name}\" must be a whole number, not {value.GetRawText()}");
        }

        public double Double(string name, bool positive)
        {
            if (element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number)
                && double.IsFinite(number) && (positive ? number > 0 : number >= 0))
            {
                return number;
            }
            throw new InferenceInputException($"{where}: \"{name}\" is missing or not a {(positive ? "positive" : "non-negative")} number");
        }

        public bool? OptionalBool(string name) =>
            !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
            : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
            : throw new InferenceInputException($"{where}: \"{name}\" must be true or false");
    }
}
