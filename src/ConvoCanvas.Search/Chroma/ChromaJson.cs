using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConvoCanvas.Search.Chroma;

/// <summary>The JSON settings and wire shapes of the ChromaDB v2 REST API.</summary>
internal static class ChromaJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Request bodies are not HTML: non-ASCII text goes as UTF-8, which keeps the size estimate honest.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new MetadataConverter() },
    };

    /// <summary>
    /// Metadata maps: scalars only. Integers read back as <see cref="long"/>, other numbers as
    /// <see cref="double"/>. Integral doubles are written with a fraction ("2.0") so that the
    /// server keeps them as floats.
    /// </summary>
    internal sealed class MetadataConverter : JsonConverter<IReadOnlyDictionary<string, object?>>
    {
        public override IReadOnlyDictionary<string, object?>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                return null;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException($"a metadata map must be a JSON object, not {reader.TokenType}");
            }

            var map = new Dictionary<string, object?>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var key = reader.GetString()!;
                reader.Read();
                map[key] = ReadValue(ref reader);
            }

            return map;
        }

        private static object? ReadValue(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    return reader.GetString();
                case JsonTokenType.True:
                    return true;
                case JsonTokenType.False:
                    return false;
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.Number:
                    // Boxed separately: a conditional expression would widen the long to double.
                    return reader.TryGetInt64(out var integer) ? (object)integer : reader.GetDouble();
                default:
                    // Anything richer than a scalar is kept as a JSON element rather than lost.
                    using (var document = JsonDocument.ParseValue(ref reader))
                    {
                        return document.RootElement.Clone();
                    }
            }
        }

        public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, object?> value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            foreach (var (key, item) in value)
            {
                writer.WritePropertyName(key);
                WriteValue(writer, key, item);
            }

            writer.WriteEndObject();
        }

        internal static void WriteValue(Utf8JsonWriter writer, string key, object? item)
        {
            switch (item)
            {
                case null:
                    writer.WriteNullValue();
                    break;
                case string s:
                    writer.WriteStringValue(s);
                    break;
                case bool b:
                    writer.WriteBooleanValue(b);
                    break;
                case int or long or short or byte or sbyte or ushort or uint:
                    writer.WriteNumberValue(Convert.ToInt64(item, CultureInfo.InvariantCulture));
                    break;
                case float or double or decimal:
                    var d = Convert.ToDouble(item, CultureInfo.InvariantCulture);
                    if (!double.IsFinite(d))
                    {
                        throw new ArgumentException($"metadata '{key}': {d} is not a finite number");
                    }

                    if (d == Math.Floor(d) && Math.Abs(d) < 1e15)
                    {
                        writer.WriteRawValue(d.ToString("0.0", CultureInfo.InvariantCulture), skipInputValidation: true);
                    }
                    else
                    {
                        writer.WriteNumberValue(d);
                    }

                    break;
                default:
                    throw new ArgumentException(
                        $"metadata '{key}': a value must be a string, bool, integer or floating-point number, not {item.GetType().Name} (ChromaDB stores scalars only)");
            }
        }
    }

    // Requests. Null members are left out.
    internal sealed record CreateCollectionRequest(string Name, IReadOnlyDictionary<string, object?>? Metadata, bool GetOrCreate);

    internal sealed record UpsertRequest(
        IReadOnlyList<string> Ids,
        IReadOnlyList<ReadOnlyMemory<float>> Embeddings,
        IReadOnlyList<string?>? Documents,
        IReadOnlyList<IReadOnlyDictionary<string, object?>?>? Metadatas);

    internal sealed record QueryRequest(
        IReadOnlyList<ReadOnlyMemory<float>> QueryEmbeddings,
        int NResults,
        System.Text.Json.Nodes.JsonObject? Where,
        System.Text.Json.Nodes.JsonObject? WhereDocument,
        IReadOnlyList<string> Include);

    internal sealed record GetRequest(
        IReadOnlyList<string>? Ids,
        System.Text.Json.Nodes.JsonObject? Where,
        System.Text.Json.Nodes.JsonObject? WhereDocument,
        int? Limit,
        int? Offset,
        IReadOnlyList<string> Include);

    internal sealed record DeleteRequest(
        IReadOnlyList<string>? Ids,
        System.Text.Json.Nodes.JsonObject? Where,
        System.Text.Json.Nodes.JsonObject? WhereDocument);

    // Responses.
    internal sealed record CollectionResponse(string Id, string Name, IReadOnlyDictionary<string, object?>? Metadata, int? Dimension);

    internal sealed record PreFlightResponse(int MaxBatchSize);

    internal sealed record ErrorResponse(string? Error, string? Message);

    internal sealed record QueryResponse(
        List<List<string>> Ids,
        List<List<float[]?>>? Embeddings,
        List<List<string?>>? Documents,
        List<List<IReadOnlyDictionary<string, object?>?>>? Metadatas,
        List<List<float?>>? Distances);

    internal sealed record GetResponse(
        List<string> Ids,
        List<float[]?>? Embeddings,
        List<string?>? Documents,
        List<IReadOnlyDictionary<string, object?>?>? Metadatas);
}
