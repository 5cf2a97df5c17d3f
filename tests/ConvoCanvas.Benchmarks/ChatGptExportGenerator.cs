using System.Text;
using System.Text.Json;

namespace ConvoCanvas.Benchmarks;

/// <summary>
/// Writes a synthetic ChatGPT <c>conversations.json</c> with the shapes real exports have:
/// a null root node, system and hidden messages, user/assistant turns, regenerated answers
/// (branches), code and tool messages, multimodal parts, model slugs, fractional unix times.
/// Deterministic for a seed, so runs compare.
/// </summary>
public static class ChatGptExportGenerator
{
    private static readonly string[] Words =
        ("the node lost its address after a lease renewal so dns stopped resolving inside the cluster and every pod " +
         "restarted we pinned the address in the router and restarted coredns then checked the kubelet logs for errors " +
         "write a function that parses the export streaming one conversation at a time with bounded memory and tests").Split(' ');

    private static readonly string[] Models = ["gpt-4o", "gpt-4", "o1-preview", "gpt-4o-mini", "text-davinci-002-render-sha"];

    public static long Write(string path, int conversations, int seed = 42)
    {
        var random = new Random(seed);
        using var file = File.Create(path);
        using var writer = new Utf8JsonWriter(file);
        writer.WriteStartArray();
        for (var c = 0; c < conversations; c++)
        {
            WriteConversation(writer, random, c);
            if (writer.BytesPending > 1 << 20)
            {
                writer.Flush();
            }
        }
        writer.WriteEndArray();
        writer.Flush();
        return file.Length;
    }

    private static void WriteConversation(Utf8JsonWriter writer, Random random, int index)
    {
        var id = new Guid(random.Next(), (short)random.Next(), (short)random.Next(), new byte[] { 1, 2, 3, 4, 5, 6, (byte)(index >> 8), (byte)index }).ToString();
        var created = 1_680_000_000 + index * 3_600.5 + random.NextDouble();
        var model = Models[random.Next(Models.Length)];
        var turns = 2 + random.Next(7);
        var nodes = new List<(string Id, string? Parent, string Role, string ContentType, string Text, double Time)>();
        var root = $"{id}-root";
        nodes.Add((root, null, "", "", "", 0));
        var system = $"{id}-sys";
        nodes.Add((system, root, "system", "text", "", created));
        var parent = system;
        var time = created;
        for (var t = 0; t < turns; t++)
        {
            time += 30 + random.Next(600);
            var user = $"{id}-u{t}";
            nodes.Add((user, parent, "user", random.Next(10) == 0 ? "multimodal_text" : "text", Sentence(random, 10 + random.Next(60)), time));
            var answers = random.Next(8) == 0 ? 2 : 1; // sometimes regenerated: a branch
            string chosen = "";
            for (var a = 0; a < answers; a++)
            {
                var assistant = $"{id}-a{t}-{a}";
                var contentType = random.Next(6) == 0 ? "code" : "text";
                nodes.Add((assistant, user, "assistant", contentType, Sentence(random, 30 + random.Next(170)), time + 5 + a));
                chosen = assistant;
            }
            if (random.Next(12) == 0)
            {
                var tool = $"{id}-t{t}";
                nodes.Add((tool, chosen, "tool", "execution_output", Sentence(random, 20), time + 9));
                chosen = tool;
            }
            parent = chosen;
        }

        var children = nodes.Where(n => n.Parent is not null).ToLookup(n => n.Parent!);
        writer.WriteStartObject();
        writer.WriteString("title", Title(random));
        writer.WriteNumber("create_time", created);
        writer.WriteNumber("update_time", time);
        writer.WriteStartObject("mapping");
        foreach (var node in nodes)
        {
            writer.WriteStartObject(node.Id);
            writer.WriteString("id", node.Id);
            if (node.Parent is null)
            {
                writer.WriteNull("message");
                writer.WriteNull("parent");
            }
            else
            {
                WriteMessage(writer, node, model, random);
                writer.WriteString("parent", node.Parent);
            }
            writer.WriteStartArray("children");
            foreach (var child in children[node.Id])
            {
                writer.WriteStringValue(child.Id);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        writer.WriteNull("moderation_results");
        writer.WriteString("current_node", parent);
        writer.WriteNull("plugin_ids");
        writer.WriteString("conversation_id", id);
        writer.WriteString("id", id);
        writer.WriteString("default_model_slug", model);
        writer.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter writer, (string Id, string? Parent, string Role, string ContentType, string Text, double Time) node, string model, Random random)
    {
        writer.WriteStartObject("message");
        writer.WriteString("id", node.Id);
        writer.WriteStartObject("author");
        writer.WriteString("role", node.Role);
        if (node.Role == "tool")
        {
            writer.WriteString("name", "python");
        }
        else
        {
            writer.WriteNull("name");
        }
        writer.WriteStartObject("metadata");
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteNumber("create_time", node.Time);
        writer.WriteNull("update_time");
        writer.WriteStartObject("content");
        writer.WriteString("content_type", node.ContentType);
        switch (node.ContentType)
        {
            case "code":
                writer.WriteString("language", "python");
                writer.WriteString("text", "def handle():\n    " + node.Text);
                break;
            case "execution_output":
                writer.WriteString("text", node.Text);
                break;
            case "multimodal_text":
                writer.WriteStartArray("parts");
                writer.WriteStartObject();
                writer.WriteString("content_type", "image_asset_pointer");
                writer.WriteString("asset_pointer", $"file-service://file-{random.Next():x}");
                writer.WriteNumber("size_bytes", 120_000 + random.Next(400_000));
                writer.WriteNumber("width", 1024);
                writer.WriteNumber("height", 768);
                writer.WriteEndObject();
                writer.WriteStringValue(node.Text);
                writer.WriteEndArray();
                break;
            default:
                writer.WriteStartArray("parts");
                writer.WriteStringValue(node.Text);
                writer.WriteEndArray();
                break;
        }
        writer.WriteEndObject();
        writer.WriteString("status", "finished_successfully");
        writer.WriteBoolean("end_turn", node.Role == "assistant");
        writer.WriteNumber("weight", 1.0);
        writer.WriteStartObject("metadata");
        if (node.Role == "assistant")
        {
            writer.WriteString("model_slug", model);
            writer.WriteString("default_model_slug", model);
            writer.WriteString("message_type", "next");
        }
        if (node.Role == "system")
        {
            writer.WriteBoolean("is_visually_hidden_from_conversation", true);
        }
        writer.WriteEndObject();
        writer.WriteString("recipient", "all");
        writer.WriteEndObject();
    }

    private static string Title(Random random) =>
        string.Join(' ', Enumerable.Range(0, 3 + random.Next(4)).Select(_ => Words[random.Next(Words.Length)])) is var t
            ? char.ToUpperInvariant(t[0]) + t[1..]
            : "";

    private static string Sentence(Random random, int words)
    {
        var text = new StringBuilder(words * 7);
        for (var i = 0; i < words; i++)
        {
            if (i > 0)
            {
                text.Append(i % 17 == 0 ? ".\n\n" : " ");
            }
            text.Append(Words[random.Next(Words.Length)]);
        }
        return text.Append('.').ToString();
    }
}
