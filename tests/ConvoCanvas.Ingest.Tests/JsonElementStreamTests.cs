using System.Text;
using ConvoCanvas.Ingest.Json;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Tests;

public sealed class JsonElementStreamTests
{
    /// <summary>A stream that hands out a few bytes per read, to force every refill path.</summary>
    private sealed class Trickle(byte[] data, int step) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, step));
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, step)]);
    }

    private static List<string> Read(string json, int step = 7, ImportOptions? options = null) =>
        JsonElementStream.Read(new Trickle(Encoding.UTF8.GetBytes(json), step), options ?? ImportOptions.Default)
            .Select(e => e.Error is { } error ? "error: " + error : e.Element.GetRawText())
            .ToList();

    [Fact]
    public void Elements_come_one_by_one_across_refills()
    {
        var elements = string.Join(",", Enumerable.Range(0, 500).Select(i => $$"""{"i":{{i}},"s":"{{new string('x', i * 37 % 300)}}"}"""));

        var read = Read($"[{elements}]", step: 13);

        Assert.Equal(500, read.Count);
        Assert.StartsWith("""{"i":499,"s":"x""", read[^1]);
        Assert.All(read, r => Assert.DoesNotContain("error", r));
    }

    [Fact]
    public void Element_larger_than_the_first_buffer_is_read_whole()
    {
        var big = new string('y', 300_000);

        var read = Read($$"""[{"a":"{{big}}"},{"b":1}]""", step: 4096);

        Assert.Equal(2, read.Count);
        Assert.Equal(300_008, read[0].Length);
    }

    [Fact]
    public void A_single_object_is_element_zero()
    {
        Assert.Equal(["""{"a":[1,2]}"""], Read("""  {"a":[1,2]}  """));
    }

    [Fact]
    public void A_top_level_scalar_is_an_error()
    {
        Assert.StartsWith("error: expected a JSON array or object", Assert.Single(Read("42")));
    }

    [Fact]
    public void Truncation_names_the_element_index()
    {
        var read = Read("""[{"a":1},{"b":2},{"c":""", step: 3);

        Assert.Equal(3, read.Count);
        Assert.Equal("error: element 2: the file is truncated", read[2]);
    }

    [Fact]
    public void Garbage_is_invalid_json_not_truncation()
    {
        var read = Read("""[{"a":1},{"b":2 x}]""");

        Assert.Equal(2, read.Count);
        Assert.StartsWith("error: element 1: invalid JSON", read[1]);
    }

    [Fact]
    public void Depth_limit_comes_from_the_options()
    {
        var options = new ImportOptions { MaxJsonDepth = 5 };

        var read = Read("[[[[1]]],[[[[[[[1]]]]]]]]", options: options);

        Assert.Equal("[[[1]]]", read[0]);
        Assert.StartsWith("error: element 1 is nested deeper than 5 levels", read[1]);
    }
}
