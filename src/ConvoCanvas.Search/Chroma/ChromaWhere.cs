using System.Text.Json.Nodes;

namespace ConvoCanvas.Search.Chroma;

/// <summary>
/// Builds ChromaDB metadata filters (<c>where</c>). Each method returns a fresh
/// <see cref="JsonObject"/>; combine them with <see cref="And"/> and <see cref="Or"/>.
/// Values are scalars: string, bool, integer or floating-point.
/// </summary>
public static class ChromaWhere
{
    public static JsonObject Eq(string key, object value) => Compare(key, "$eq", value);

    public static JsonObject Ne(string key, object value) => Compare(key, "$ne", value);

    public static JsonObject Gt(string key, object value) => Compare(key, "$gt", value);

    public static JsonObject Gte(string key, object value) => Compare(key, "$gte", value);

    public static JsonObject Lt(string key, object value) => Compare(key, "$lt", value);

    public static JsonObject Lte(string key, object value) => Compare(key, "$lte", value);

    public static JsonObject In<T>(string key, IEnumerable<T> values) where T : notnull => List(key, "$in", values);

    public static JsonObject NotIn<T>(string key, IEnumerable<T> values) where T : notnull => List(key, "$nin", values);

    /// <summary>All of the clauses. One clause is returned as it is: the server wants at least two under <c>$and</c>.</summary>
    public static JsonObject And(params JsonObject[] clauses) => Combine("$and", clauses);

    /// <summary>Any of the clauses. One clause is returned as it is.</summary>
    public static JsonObject Or(params JsonObject[] clauses) => Combine("$or", clauses);

    private static JsonObject Compare(string key, string op, object value) =>
        new() { [key] = new JsonObject { [op] = Scalar(value) } };

    private static JsonObject List<T>(string key, string op, IEnumerable<T> values) where T : notnull
    {
        var array = new JsonArray();
        foreach (var value in values)
        {
            array.Add(Scalar(value));
        }

        if (array.Count == 0)
        {
            throw new ArgumentException($"a where {op} on '{key}' needs at least one value", nameof(values));
        }

        return new JsonObject { [key] = new JsonObject { [op] = array } };
    }

    private static JsonObject Combine(string op, JsonObject[] clauses)
    {
        ArgumentNullException.ThrowIfNull(clauses);
        switch (clauses.Length)
        {
            case 0:
                throw new ArgumentException($"a where {op} needs at least one clause", nameof(clauses));
            case 1:
                return clauses[0];
        }

        var array = new JsonArray();
        foreach (var clause in clauses)
        {
            // A node has one parent: copy clauses that already sit in another tree.
            array.Add(clause.Parent is null ? clause : clause.DeepClone());
        }

        return new JsonObject { [op] = array };
    }

    internal static JsonNode Scalar(object value) => value switch
    {
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int or long or short or byte or sbyte or ushort or uint => JsonValue.Create(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)),
        float f => JsonValue.Create((double)f),
        double d => JsonValue.Create(d),
        decimal m => JsonValue.Create((double)m),
        _ => throw new ArgumentException(
            $"a where value must be a string, bool, integer or floating-point number, not {value?.GetType().Name ?? "null"}", nameof(value)),
    };
}

/// <summary>Builds ChromaDB document filters (<c>where_document</c>).</summary>
public static class ChromaWhereDocument
{
    /// <summary>Documents that contain <paramref name="text"/> (case-sensitive substring).</summary>
    public static JsonObject Contains(string text) => new() { ["$contains"] = text };

    public static JsonObject NotContains(string text) => new() { ["$not_contains"] = text };
}
