using System.Net.Http.Json;
using System.Text.Json;

namespace ConvoCanvas.Integration.Tests.Content;

internal static class Vaults
{
    /// <summary>Adds a vault over REST and waits until at least <paramref name="notes"/> notes are indexed; a failed index stops the wait at once.</summary>
    public static async Task AddAndWaitAsync(HttpClient http, string name, string path, int notes)
    {
        using (var added = await http.PostAsJsonAsync("api/vaults", new { name, path }))
        {
            Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        }
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while ((await http.GetFromJsonAsync<JsonElement>($"api/vaults/{name}")) is var status
            && (status.GetProperty("indexPending").GetInt32() > 0 || status.GetProperty("indexed").GetInt32() < notes))
        {
            Assert.True(status.GetProperty("indexFailed").GetInt32() == 0, $"indexing failed: {status}");
            Assert.True(DateTime.UtcNow < deadline, $"the vault was not indexed in 90 s: {status}");
            await Task.Delay(200);
        }
    }
}
