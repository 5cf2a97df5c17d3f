using System.Text.Json;

namespace ConvoCanvas.Ingest.Json;

/// <summary>What the first bytes of a file say about it, enough for a format to claim it.</summary>
public sealed record JsonHeadInfo(JsonHeadKind Kind, IReadOnlySet<string> Keys)
{
    public bool Has(string key) => Keys.Contains(key);

    public string Describe() => Kind switch
    {
        JsonHeadKind.Empty => "the file is empty",
        JsonHeadKind.NotJson => "the file is not JSON",
        JsonHeadKind.Scalar => "the file holds a single JSON value, not an object or array",
        JsonHeadKind.EmptyArray => "the file holds an empty JSON array",
        _ when Keys.Count == 0 => $"a JSON {(Kind == JsonHeadKind.Array ? "array" : "object")} with no recognisable fields",
        _ => $"a JSON {(Kind == JsonHeadKind.Array ? "array of objects" : "object")} with fields {string.Join(", ", Keys.Take(8))}",
    };
}

public enum JsonHeadKind { Empty, NotJson, Scalar, EmptyArray, Array, Object }

/// <summary>
/// Reads a file head (possibly cut mid-value) just far enough to learn whether it is JSON, whether
/// the top is an array or an object, and the property names of the first object: formats claim
/// files by those names rather than by file name, because exports get renamed.
/// </summary>
public static class JsonHead
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256 };

    public static ReadOnlySpan<byte> SkipBom(ReadOnlySpan<byte> head) =>
        head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? head[3..] : head;

    public static JsonHeadInfo Inspect(ReadOnlySpan<byte> head, bool isWholeFile)
    {
        head = SkipBom(head);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        if (head.Trim((ReadOnlySpan<byte>)" \t\r\n"u8).IsEmpty)
        {
            return new JsonHeadInfo(isWholeFile ? JsonHeadKind.Empty : JsonHeadKind.NotJson, keys);
        }
        var reader = new Utf8JsonReader(head, isWholeFile, new JsonReaderState(ReaderOptions));
        var kind = JsonHeadKind.NotJson;
        try
        {
            if (!reader.Read())
            {
                return new JsonHeadInfo(JsonHeadKind.NotJson, keys);
            }
            var objectDepth = 0;
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    kind = JsonHeadKind.Object;
                    objectDepth = 1;
                    break;
                case JsonTokenType.StartArray:
                    kind = JsonHeadKind.Array;
                    if (!reader.Read())
                    {
                        return new JsonHeadInfo(kind, keys);
                    }
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        return new JsonHeadInfo(JsonHeadKind.EmptyArray, keys);
                    }
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        return new JsonHeadInfo(kind, keys);
                    }
                    objectDepth = 2;
                    break;
                default:
                    return new JsonHeadInfo(JsonHeadKind.Scalar, keys);
            }
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == objectDepth - 1)
                {
                    break;
                }
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == objectDepth)
                {
                    keys.Add(reader.GetString()!);
                }
            }
        }
        catch (JsonException)
        {
            // A head is cut anywhere; what was read before the cut still counts.
        }
        catch (InvalidOperationException)
        {
            // Invalid UTF-8 in a property name: keep what we have.
        }
        return new JsonHeadInfo(kind, keys);
    }

    /// <summary>
    /// Best effort: the first "title" or "name" string directly inside the object that
    /// <paramref name="element"/> starts with, so an error about a broken element can still name it.
    /// </summary>
    public static string? FindTitle(ReadOnlySpan<byte> element)
    {
        var reader = new Utf8JsonReader(element, isFinalBlock: false, new JsonReaderState(ReaderOptions));
        try
        {
            string? wanted = null;
            while (reader.Read())
            {
                if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName)
                {
                    wanted = reader.ValueTextEquals("title"u8) || reader.ValueTextEquals("name"u8) ? "yes" : null;
                }
                else if (wanted is not null && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString();
                }
                else
                {
                    wanted = null;
                }
            }
        }
        catch (JsonException)
        {
        }
        catch (InvalidOperationException)
        {
        }
        return null;
    }
}
