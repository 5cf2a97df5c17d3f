namespace ConvoCanvas.Ingest.Vault;

/// <summary>Vault-relative paths in one spelling, so the same note always has the same key.</summary>
public static class VaultPath
{
    /// <exception cref="VaultFileException">The path is empty, absolute, or climbs out with <c>..</c>.</exception>
    public static string Normalise(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var path = relativePath.Replace('\\', '/');
        if (path.StartsWith('/') || (path.Length >= 2 && path[1] == ':'))
            throw new VaultFileException($"'{relativePath}' is absolute; vault paths are relative to the vault folder");

        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..") throw new VaultFileException($"'{relativePath}' climbs out of the vault with '..'");
            parts.Add(part);
        }

        if (parts.Count == 0) throw new VaultFileException("the path is empty");
        return string.Join('/', parts);
    }
}
