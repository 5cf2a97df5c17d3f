using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ConvoCanvas.Ingest.Vault;

/// <summary>YAML frontmatter to a flat dictionary of scalars and scalar lists.</summary>
internal static class Frontmatter
{
    public static Dictionary<string, FrontmatterValue> Parse(string yaml, List<string> warnings)
    {
        var result = new Dictionary<string, FrontmatterValue>(StringComparer.Ordinal);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            warnings.Add($"frontmatter is not valid YAML (line {e.Start.Line}, column {e.Start.Column}): {e.Message}");
            return result;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this, not a YamlException, on some malformed flow sequences
            // (seen with "tags: [unclosed").
            warnings.Add("frontmatter is not valid YAML (the parser gave up; look for an unclosed [ or {)");
            return result;
        }

        if (stream.Documents.Count == 0) return result; // an empty block: "---\n---"
        switch (stream.Documents[0].RootNode)
        {
            case YamlMappingNode map:
                Flatten(map, "", result);
                break;
            case YamlScalarNode { Value: null or "" }:
                break;
            default:
                warnings.Add("frontmatter is not a set of properties (key: value); ignored");
                break;
        }

        return result;
    }

    private static void Flatten(YamlMappingNode map, string prefix, Dictionary<string, FrontmatterValue> result)
    {
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var key = prefix + (keyNode is YamlScalarNode k ? k.Value ?? "" : keyNode.ToString());
            switch (valueNode)
            {
                case YamlScalarNode scalar:
                    result[key] = FrontmatterValue.Scalar(scalar.Value ?? "");
                    break;
                case YamlSequenceNode sequence:
                    result[key] = FrontmatterValue.List(sequence.Children.Select(ScalarText).Where(v => v.Length > 0).ToList());
                    break;
                case YamlMappingNode nested:
                    Flatten(nested, key + ".", result);
                    break;
            }
        }
    }

    /// <summary>A list item that is itself a list or map is kept as its flow-style text.</summary>
    private static string ScalarText(YamlNode node) => node is YamlScalarNode scalar ? scalar.Value ?? "" : node.ToString();
}
