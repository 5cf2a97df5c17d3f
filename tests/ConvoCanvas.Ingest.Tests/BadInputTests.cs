using System.IO.Compression;
using System.Text;
using ConvoCanvas.Ingest.Import;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Tests;

/// <summary>Broken and hostile input: each gives a clear error naming file and item, and the import goes on.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("convocanvas-ingest-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private const string Good = """{"uuid":"good","name":"Good","chat_messages":[{"uuid":"g1","sender":"human","text":"fine"}]}""";

    private static string Claude(string uuid, string text) =>
        $$$"""{"uuid":"{{{uuid}}}","name":"{{{uuid}}}","chat_messages":[{"uuid":"{{{uuid}}}-m","sender":"human","text":"{{{text}}}"}]}""";

    [Fact]
    public void Truncated_file_yields_the_elements_before_and_an_error_naming_the_broken_one()
    {
        var json = $"[{Claude("a", "one")},{Claude("b", "two")},{Claude("c", "three")}]";
        var cut = json[..(json.Length - 30)];

        var items = TestData.ReadJson("conversations.json", cut);

        Assert.Equal(["a", "b"], items.Conversations().Select(c => c.ExternalId));
        var error = Assert.Single(items.Errors());
        Assert.Equal("conversations.json", error.File);
        Assert.Equal("conversation 2 ('c')", error.Item);
        Assert.Contains("truncated", error.Reason);
    }

    [Fact]
    public void A_number_where_a_conversation_goes_fails_that_item_only()
    {
        var items = TestData.ReadJson("conversations.json", $"[{Good}, 42, {Claude("b", "x")}]");

        Assert.Equal(["good", "b"], items.Conversations().Select(c => c.ExternalId));
        var error = Assert.Single(items.Errors());
        Assert.Equal("conversation 1", error.Item);
        Assert.Contains("found number", error.Reason);
    }

    [Fact]
    public void Mistyped_fields_are_tolerated_or_reported_never_thrown()
    {
        var items = TestData.ReadJson("conversations.json",
            """[{"uuid":7,"name":{"x":1},"chat_messages":[{"uuid":[],"sender":"human","text":5,"content":{"type":"text"}}]},{"uuid":"z","chat_messages":{"a":1}}]""");

        Assert.Single(items.Conversations());
        Assert.Contains("chat_messages", Assert.Single(items.Errors()).Reason);
    }

    [Fact]
    public void Empty_file_is_reported_as_empty()
    {
        var error = Assert.Single(TestData.ReadJson("conversations.json", ""));
        Assert.Contains("empty", error.Error!.Reason);
    }

    [Fact]
    public void Bom_prefixed_file_reads_like_any_other()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes($"[{Good}]")).ToArray();

        var conversation = Assert.Single(TestData.ReadBytes("conversations.json", bytes).Conversations());
        Assert.Equal("good", conversation.ExternalId);
    }

    [Fact]
    public void Ten_thousand_deep_nesting_gives_a_depth_error_not_a_stack_overflow()
    {
        var deep = new string('[', 10_000) + new string(']', 10_000);
        var json = $$"""[{{Good}}, {"uuid":"deep","name":"Deep","chat_messages":[{"uuid":"d","sender":"human","text":"x","content":{{deep}}}]}]""";

        var items = TestData.ReadJson("conversations.json", json);

        Assert.Equal("good", Assert.Single(items.Conversations()).ExternalId);
        var error = Assert.Single(items.Errors());
        Assert.Equal("conversation 1 ('Deep')", error.Item);
        Assert.Contains("nested deeper than 128 levels", error.Reason);
    }

    [Fact]
    public void Invalid_utf8_in_a_string_fails_that_conversation_only()
    {
        var bytes = Encoding.UTF8.GetBytes($"[{Claude("bad", "XX")},{Good}]");
        var at = Array.IndexOf(bytes, (byte)'X');
        bytes[at] = 0xFF;
        bytes[at + 1] = 0xFE;

        var items = TestData.ReadBytes("conversations.json", bytes);

        Assert.Equal(2, items.Count);
        Assert.Contains("conversations.json", items.Errors().Select(e => e.File));
        Assert.Contains(items.Conversations(), c => c.ExternalId == "good");
    }

    [Fact]
    public void Random_bytes_named_json_are_not_a_recognised_export()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);

        var error = Assert.Single(TestData.ReadBytes("conversations.json", bytes)).Error!;
        Assert.Contains("not a recognised export", error.Reason);
    }

    [Fact]
    public void Random_bytes_with_another_name_are_skipped_quietly()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);

        var run = new ExportReader().Read([TestData.InMemory("photo.bin", bytes)]);

        Assert.Empty(run.ToList());
        Assert.Equal(1, run.FilesSkipped);
    }

    [Fact]
    public void Fifty_megabyte_message_fails_its_conversation_naming_file_and_message()
    {
        var big = new string('a', 50 * 1024 * 1024);
        var json = $"[{Good},{Claude("huge", big)},{Claude("after", "ok")}]";

        var items = TestData.ReadJson("conversations.json", json);

        Assert.Equal(["good", "after"], items.Conversations().Select(c => c.ExternalId));
        var error = Assert.Single(items.Errors());
        Assert.Equal(("conversations.json", "conversation 1 ('huge')"), (error.File, error.Item));
        Assert.Contains("message 'huge-m'", error.Reason);
        Assert.Contains("limit", error.Reason);
    }

    [Fact]
    public void Conversation_over_the_size_limit_is_skipped_and_the_next_one_read()
    {
        var options = new ImportOptions { MaxConversationBytes = 4096 };
        var json = $"[{Claude("big", new string('b', 10_000))},{Good}]";

        var items = TestData.ReadJson("conversations.json", json, options);

        Assert.Equal("good", Assert.Single(items.Conversations()).ExternalId);
        var error = Assert.Single(items.Errors());
        Assert.Equal("conversation 0 ('big')", error.Item);
        Assert.Contains("larger than the 4,096-byte limit", error.Reason);
    }

    [Fact]
    public void Zip_entries_are_read_in_place_with_bang_paths()
    {
        var zip = Path.Combine(_folder, "export.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            Write(archive, "conversations.json", $"[{Good}]");
            Write(archive, "chat.html", "<html></html>");
        }

        var run = new ExportReader().Read([zip]);
        var items = run.ToList();

        Assert.Equal("good", Assert.Single(items.Conversations()).ExternalId);
        Assert.Equal(1, run.FilesSkipped);
        Assert.Equal(["export.zip"], Directory.GetFiles(_folder).Select(Path.GetFileName)); // nothing extracted
    }

    [Theory]
    [InlineData("../evil.json")]
    [InlineData("a/../../evil.json")]
    [InlineData("/etc/evil.json")]
    [InlineData("C:/evil.json")]
    public void Zip_slip_entries_are_refused_by_name_and_the_rest_is_read(string entryName)
    {
        var zip = Path.Combine(_folder, "export.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            Write(archive, entryName, $"[{Claude("evil", "x")}]");
            Write(archive, "conversations.json", $"[{Good}]");
        }

        var items = new ExportReader().Read([zip]).ToList();

        Assert.Equal("good", Assert.Single(items.Conversations()).ExternalId);
        var error = Assert.Single(items.Errors());
        Assert.Equal(("export.zip", $"entry '{entryName}'"), (error.File, error.Item));
        Assert.Contains("refused", error.Reason);
    }

    [Fact]
    public void Zip_bomb_entry_is_stopped_and_the_rest_is_read()
    {
        var zip = Path.Combine(_folder, "bomb.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            // A valid-looking array start, then megabytes of spaces: about 1000:1.
            var entry = archive.CreateEntry("conversations.json", CompressionLevel.SmallestSize);
            using (var stream = entry.Open())
            {
                stream.Write("["u8);
                var spaces = new byte[1024 * 1024];
                Array.Fill(spaces, (byte)' ');
                for (var i = 0; i < 8; i++)
                {
                    stream.Write(spaces);
                }
                stream.Write("]"u8);
            }
            Write(archive, "more/conversations.json", $"[{Good}]");
        }

        var items = new ExportReader().Read([zip]).ToList();

        Assert.Equal("good", Assert.Single(items.Conversations()).ExternalId);
        var error = Assert.Single(items.Errors());
        Assert.Equal("bomb.zip", error.File);
        Assert.Contains("conversations.json", error.Item + error.Reason);
        Assert.Contains("compression ratio", error.Reason);
    }

    [Fact]
    public void Zip_entry_with_lying_size_headers_is_contained_to_an_error()
    {
        // Headers say the entry is small; only counting what inflates catches it. The head is a real
        // conversation so a format claims it and reads on into the spaces.
        var bytes = new byte[3 * 1024 * 1024];
        Array.Fill(bytes, (byte)' ');
        var head = Encoding.UTF8.GetBytes("""[{"uuid":"x","name":"x","chat_messages":[""");
        head.CopyTo(bytes, 0);
        "]}]"u8.CopyTo(bytes.AsSpan(bytes.Length - 3));
        var zip = Path.Combine(_folder, "liar.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            using var stream = archive.CreateEntry("conversations.json", CompressionLevel.SmallestSize).Open();
            stream.Write(bytes);
        }
        var raw = File.ReadAllBytes(zip);
        PatchUncompressedSizes(raw, 3 * 1024 * 1024, 100);
        File.WriteAllBytes(zip, raw);

        var items = new ExportReader().Read([zip]).ToList();

        var error = Assert.Single(items);
        Assert.NotNull(error.Error);
        Assert.Equal("liar.zip!/conversations.json", error.Error!.File);
        // The entry stream stops at the declared size, so the spaces never inflate: the JSON ends early.
        Assert.Contains("truncated", error.Error.Reason);
    }

    [Fact]
    public void Total_expanded_size_of_a_zip_is_limited()
    {
        var zip = Path.Combine(_folder, "many.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            for (var i = 0; i < 5; i++)
            {
                Write(archive, $"part-{i}/conversations.json", $"[{Claude($"c{i}", new string('x', 3000))}]", CompressionLevel.NoCompression);
            }
        }
        var options = new ImportOptions { MaxZipExpandedBytes = 10_000 };

        var items = new ExportReader(ExportReader.DefaultFormats, options).Read([zip]).ToList();

        Assert.Equal(["c0", "c1", "c2"], items.Conversations().Select(c => c.ExternalId));
        Assert.Equal(2, items.Errors().Count(e => e.Reason.Contains("10,000-byte limit", StringComparison.Ordinal)));
    }

    [Fact]
    public void Folders_are_walked_recursively_skipping_hidden_ones()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "export", "nested"));
        Directory.CreateDirectory(Path.Combine(_folder, "export", ".git"));
        File.WriteAllText(Path.Combine(_folder, "export", "nested", "conversations.json"), $"[{Good}]");
        File.WriteAllText(Path.Combine(_folder, "export", ".git", "conversations.json"), $"[{Claude("hidden", "x")}]");
        File.WriteAllText(Path.Combine(_folder, "export", "notes.txt"), "hello");
        File.WriteAllText(Path.Combine(_folder, "export", "settings.json"), """{"theme":"dark"}""");

        var run = new ExportReader().Read([Path.Combine(_folder, "export"), Path.Combine(_folder, "missing")]);
        var items = run.ToList();

        Assert.Equal("good", Assert.Single(items.Conversations()).ExternalId);
        Assert.Equal(1, run.FilesSkipped);
        var errors = items.Errors();
        Assert.Contains(errors, e => e.File == "export/settings.json" && e.Reason.StartsWith("not a recognised export", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.File.EndsWith("missing", StringComparison.Ordinal) && e.Reason == "no such file or folder");
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void Expansion_counting_stream_stops_at_the_ratio_limit_whatever_the_headers_say()
    {
        var budget = new ZipBudget(1, long.MaxValue);
        using var stream = new ExpansionLimitedStream(new MemoryStream(new byte[1024 * 1024]), new MemoryStream(), "bomb.json", 100_000, 200, budget, 0);

        var error = Assert.Throws<InvalidDataException>(() => stream.CopyTo(Stream.Null));
        Assert.Contains("'bomb.json' expanded past 100,000 bytes", error.Message);
    }

    private static void Write(ZipArchive archive, string name, string text, CompressionLevel level = CompressionLevel.Optimal)
    {
        using var stream = archive.CreateEntry(name, level).Open();
        stream.Write(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Rewrites the uncompressed size in the local and central headers, as a hostile zip would.</summary>
    private static void PatchUncompressedSizes(byte[] zip, uint real, uint fake)
    {
        var patched = 0;
        for (var i = 0; i + 4 <= zip.Length; i++)
        {
            if (BitConverter.ToUInt32(zip, i) == real)
            {
                BitConverter.GetBytes(fake).CopyTo(zip, i);
                patched++;
            }
        }
        Assert.True(patched >= 2, "expected the size in both headers");
    }
}
