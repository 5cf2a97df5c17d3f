using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace ConvoCanvas.Ingest.Json;

/// <summary>
/// Tolerant reads of export JSON: exports are written by many versions of many apps, so a field of
/// the wrong type is treated as absent rather than thrown on.
/// </summary>
public static class JsonValues
{
    public static JsonElement? Prop(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static string? Str(this JsonElement element, string name) => element.Prop(name)?.AsString();

    /// <summary>A string, or a number or boolean written as text; null for objects, arrays and null.</summary>
    public static string? AsString(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    public static JsonElement? Obj(this JsonElement element, string name) =>
        element.Prop(name) is { ValueKind: JsonValueKind.Object } value ? value : null;

    public static IEnumerable<JsonElement> Arr(this JsonElement element, string name) =>
        element.Prop(name) is { ValueKind: JsonValueKind.Array } value ? value.EnumerateArray() : [];

    public static bool IsArray(this JsonElement element, string name) => element.Prop(name)?.ValueKind == JsonValueKind.Array;

    public static bool Bool(this JsonElement element, string name) => element.Prop(name)?.ValueKind == JsonValueKind.True;

    public static double? Number(this JsonElement element, string name) =>
        element.Prop(name) is { ValueKind: JsonValueKind.Number } value && value.TryGetDouble(out var number) ? number : null;

    /// <summary>The element's JSON text exactly as it was in the file.</summary>
    public static string Raw(this JsonElement element) => element.GetRawText();

    /// <summary>The size of the element's JSON text in bytes, without copying it.</summary>
    public static int RawLength(this JsonElement element) => JsonMarshal.GetRawUtf8Value(element).Length;

    /// <summary>
    /// An epoch time of unknown unit (exports use seconds, milliseconds and nanoseconds, sometimes
    /// fractional), told apart by magnitude; out-of-range or non-finite values give null.
    /// </summary>
    public static DateTimeOffset? EpochTime(double? value)
    {
        if (value is not { } v || !double.IsFinite(v) || v <= 0)
        {
            return null;
        }
        var seconds = v switch
        {
            < 1e11 => v,
            < 1e14 => v / 1e3,
            < 1e17 => v / 1e6,
            _ => v / 1e9,
        };
        const double maxSeconds = 253402300799; // 9999-12-31
        return seconds > maxSeconds ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000));
    }

    /// <summary>A time written as ISO 8601 text, or as an epoch number.</summary>
    public static DateTimeOffset? Time(this JsonElement element, string name)
    {
        switch (element.Prop(name))
        {
            case { ValueKind: JsonValueKind.Number } number:
                return EpochTime(number.TryGetDouble(out var d) ? d : null);
            case { ValueKind: JsonValueKind.String } text:
                var s = text.GetString();
                if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
                {
                    return parsed;
                }
                return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? EpochTime(n) : null;
            default:
                return null;
        }
    }
}
