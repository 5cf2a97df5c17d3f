using ConvoCanvas.Ingest.Vault;

namespace ConvoCanvas.Ingest.Tests.Vault;

public sealed class VaultScannerTests
{
    private static readonly string Sample = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Vault", "sample");

    [Fact]
    public void Scan_parses_notes_and_accounts_for_everything_else()
    {
        var scan = new VaultScanner().Scan(Sample);
        var entries = scan.ToList();

        Assert.Equal(["Broken yaml.md", "Plain.md", "Daily/2026-03-01.md", "Projects/Orleans plan.md"],
            entries.Where(e => e.Kind == VaultEntryKind.Parsed).Select(e => e.Path));
        Assert.Equal(4, scan.Summary.Documents);
        Assert.Equal(1, scan.Summary.NotesWithWarnings);
        Assert.Equal(new Dictionary<string, int> { [".obsidian"] = 2 }, scan.Summary.SkippedFolders);
        Assert.Equal(new Dictionary<string, int> { [".base"] = 1, [".canvas"] = 1, [".png"] = 1 }, scan.Summary.SkippedByExtension);
        Assert.Equal(["Attachments/binary.md", "Latin1.md"], scan.Summary.Failed.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.All(scan.Summary.Failed, f => Assert.False(string.IsNullOrWhiteSpace(f.Reason)));
    }

    [Fact]
    public void Scan_is_lazy_and_stops_when_the_caller_does()
    {
        var scan = new VaultScanner().Scan(Sample);
        var first = scan.First(e => e.Kind == VaultEntryKind.Parsed);
        Assert.Equal("Broken yaml.md", first.Path);
        Assert.Equal(1, scan.Summary.Documents);
    }

    [Fact]
    public void Symlinks_leading_out_of_the_vault_are_not_followed()
    {
        var temp = Directory.CreateTempSubdirectory("convocanvas-vault-");
        try
        {
            var vault = Directory.CreateDirectory(Path.Combine(temp.FullName, "vault"));
            var outside = Directory.CreateDirectory(Path.Combine(temp.FullName, "outside"));
            File.WriteAllText(Path.Combine(outside.FullName, "secret.md"), "# Secret");
            File.WriteAllText(Path.Combine(vault.FullName, "inside.md"), "# Inside");
            try
            {
                File.CreateSymbolicLink(Path.Combine(vault.FullName, "leak.md"), Path.Combine(outside.FullName, "secret.md"));
                Directory.CreateSymbolicLink(Path.Combine(vault.FullName, "leakdir"), outside.FullName);
                File.CreateSymbolicLink(Path.Combine(vault.FullName, "alias.md"), Path.Combine(vault.FullName, "inside.md"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                return; // this file system cannot make symlinks; nothing to check
            }

            var scan = new VaultScanner().Scan(vault.FullName);
            var entries = scan.ToList();

            Assert.Equal(["alias.md", "inside.md"], entries.Where(e => e.Kind == VaultEntryKind.Parsed).Select(e => e.Path));
            Assert.Contains(scan.Summary.SkippedOther, s => s.Path == "leak.md" && s.Reason.Contains("out of the vault"));
            Assert.Contains(scan.Summary.SkippedOther, s => s.Path == "leakdir" && s.Reason.Contains("out of the vault"));
            Assert.DoesNotContain(entries, e => e.Note?.Title == "Secret");
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }
}
