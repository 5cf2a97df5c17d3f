using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConvoCanvas.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConvoCanvas.Web.Tests;

/// <summary>The Models &amp; GPU page against the silo whose Ollama is the emulator (see <see cref="WebFixture.EmulatedModels"/>).</summary>
[Collection(WebCollection.Name)]
public sealed class ModelsPageTests(WebFixture web)
{
    [Fact]
    public async Task The_page_shows_the_emulated_models_and_that_Ollama_answers()
    {
        var listed = await web.Http.GetFromJsonAsync<JsonElement>("api/models");
        Assert.Equal(WebFixture.EmulatedModels.Select(m => m.Name).Order(StringComparer.Ordinal), listed.EnumerateArray().Select(m => m.GetProperty("name").GetString()));

        await web.OnPageAsync("", async page =>
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Models & GPU" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/models$"));

            var ollama = page.GetByTestId("ollama");
            await Expect(ollama).ToHaveAttributeAsync("data-state", "ok");
            await Expect(page.GetByTestId("ollama-state")).ToHaveTextAsync("ok");
            await Expect(ollama).ToContainTextAsync(web.Ollama.Address.ToString());

            var rows = page.GetByTestId("model-row");
            await Expect(rows).ToHaveCountAsync(WebFixture.EmulatedModels.Length);
            foreach (var model in WebFixture.EmulatedModels)
            {
                var row = Row(page, model.Name);
                await Expect(row.GetByTestId("model-name")).ToContainTextAsync(model.Name);
                await Expect(row).ToContainTextAsync($"{model.ParameterSize} · {model.Quantization}");
                await Expect(row).ToContainTextAsync(model.ContextLength.ToString("N0", CultureInfo.InvariantCulture));
                await Expect(row).ToContainTextAsync($"{(model.FileBytes / 1e9).ToString("F1", CultureInfo.InvariantCulture)} GB");
            }
            await Expect(page.GetByTestId("vram-bar")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("gpu-summary")).ToContainTextAsync("policy convocanvas");
        });
    }

    [Fact]
    public async Task Loading_a_model_through_REST_shows_its_segment_in_the_budget_bar_while_the_page_is_open()
    {
        const string model = "qwen2.5:7b";
        await UnloadIfLoadedAsync(model);

        await web.OnPageAsync("models", async page =>
        {
            var segment = page.Locator($"[data-testid=vram-segment][data-model='{model}']");
            await Expect(page.GetByTestId("ollama-state")).ToHaveTextAsync("ok");
            await Expect(segment).ToHaveCountAsync(0);
            await Expect(Row(page, model).GetByTestId("model-loaded")).ToHaveTextAsync("no");

            using (var load = await web.Http.PostAsync($"api/models/{Uri.EscapeDataString(model)}/load?numCtx=8192", null))
            {
                Assert.True(load.IsSuccessStatusCode, await load.Content.ReadAsStringAsync());
            }
            var gpu = await web.Http.GetFromJsonAsync<JsonElement>("api/gpu");
            var booked = gpu.GetProperty("loaded").EnumerateArray().Single(m => m.GetProperty("model").GetString() == model);
            var numCtx = booked.GetProperty("numCtx").GetInt32();
            var bytes = booked.GetProperty("vramBytes").GetInt64();
            Assert.True(numCtx >= 8192, gpu.ToString());

            // No reload: the page's timer picks it up.
            await Expect(segment).ToHaveCountAsync(1);
            await Expect(segment).ToContainTextAsync(model);
            await Expect(segment).ToContainTextAsync($"num_ctx {numCtx}");
            await Expect(segment).ToContainTextAsync($"{(bytes / 1e9).ToString("F1", CultureInfo.InvariantCulture)} GB");
            var share = 100.0 * bytes / gpu.GetProperty("budgetBytes").GetInt64();
            var style = await segment.GetAttributeAsync("style");
            var width = double.Parse(Regex.Match(style!, @"width:\s*([0-9.]+)%").Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.InRange(width, share - 0.01, share + 0.01);
            await Expect(page.GetByTestId("vram-free")).ToBeVisibleAsync();
            await Expect(Row(page, model).GetByTestId("model-loaded")).ToHaveTextAsync($"yes, num_ctx {numCtx}");

            using (var unload = await web.Http.PostAsync($"api/models/{Uri.EscapeDataString(model)}/unload", null))
            {
                Assert.True(unload.IsSuccessStatusCode, await unload.Content.ReadAsStringAsync());
            }
            await Expect(segment).ToHaveCountAsync(0);
        });
    }

    [Fact]
    public async Task A_streaming_generation_shows_its_lease_live_and_the_lease_goes_when_the_caller_leaves()
    {
        const string model = "llama3.2:3b";
        // Ollama's silent hang: the stream stays open after two tokens, so the lease is held while the test looks.
        web.Ollama.HangAfterTokens = 2;
        try
        {
            await web.OnPageAsync("models", async page =>
            {
                await Expect(page.GetByTestId("leases-empty")).ToBeVisibleAsync();
                using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                using var request = new HttpRequestMessage(HttpMethod.Post, "api/generate")
                {
                    Content = JsonContent.Create(new { model, prompt = "Say something.", maxTokens = 40, caller = "models-page-test" }),
                };
                using (var response = await web.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token))
                {
                    // Not the body: the answer streams until the caller leaves.
                    Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
                    var lease = page.GetByTestId("lease-row");
                    await Expect(lease).ToHaveCountAsync(1);
                    await Expect(lease).ToContainTextAsync(model);
                    await Expect(lease).ToContainTextAsync("interactive");
                    await Expect(lease).ToContainTextAsync("models-page-test");
                    await Expect(page.Locator($"[data-testid=vram-legend-item][data-model='{model}']")).ToContainTextAsync("running 1");
                    // Held time grows while the page is open.
                    var first = HeldSeconds(await lease.Locator("td").Nth(2).InnerTextAsync());
                    await Expect(lease.Locator("td").Nth(2)).Not.ToHaveTextAsync($"{first.ToString("F1", CultureInfo.InvariantCulture)} s");
                    Assert.True(HeldSeconds(await lease.Locator("td").Nth(2).InnerTextAsync()) > first);
                    await cancel.CancelAsync();
                }
                // The caller left (the connection closed): the lease goes back before the lease TTL (120 s) takes it.
                // Usually at once, through the cancellation; at worst when the stall watchdog (60 s) abandons the silent stream.
                await Expect(page.GetByTestId("leases-empty")).ToBeVisibleAsync(new() { Timeout = 90_000 });
                await Expect(page.GetByTestId("lease-counts")).Not.ToHaveTextAsync(new Regex("^0 granted"));
            });
        }
        finally
        {
            web.Ollama.HangAfterTokens = null;
            // If the watchdog called Ollama hung, a fresh probe (it answers again) puts it back to ok for the other tests.
            using var check = await web.Http.PostAsync("api/gpu/check", null);
            Assert.Contains("\"state\":\"ok\"", await check.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Pin_and_unpin_through_the_button_change_the_models_state()
    {
        const string model = "llama3.2:3b";
        if (await PinnedAsync(model))
        {
            using var unpin = await web.Http.DeleteAsync($"api/models/{Uri.EscapeDataString(model)}/pin");
            Assert.True(unpin.IsSuccessStatusCode, await unpin.Content.ReadAsStringAsync());
        }

        await web.OnPageAsync("models", async page =>
        {
            var row = Row(page, model);
            var button = row.GetByTestId("pin-toggle");
            await Expect(button).ToHaveTextAsync("Pin");
            await Expect(row.GetByTestId("model-pinned")).ToHaveCountAsync(0);
            await Expect(button).ToBeEnabledAsync();

            await button.ClickAsync();
            await Expect(button).ToHaveTextAsync("Unpin");
            await Expect(row.GetByTestId("model-pinned")).ToBeVisibleAsync();
            Assert.True(await PinnedAsync(model), "the grain should say pinned after the button said Unpin");
            // Other models are untouched.
            Assert.False(await PinnedAsync("qwen2.5:7b"));

            await Expect(button).ToBeEnabledAsync();
            await button.ClickAsync();
            await Expect(button).ToHaveTextAsync("Pin");
            await Expect(row.GetByTestId("model-pinned")).ToHaveCountAsync(0);
            Assert.False(await PinnedAsync(model), "the grain should say unpinned after the button said Pin");
        });
    }

    [Fact]
    public async Task Uploading_a_small_trace_shows_both_policies_side_by_side_as_the_REST_simulation_reports_them()
    {
        var trace = Path.Combine(web.TemporaryFolder("cc-web-trace-"), "small.jsonl");
        await File.WriteAllTextAsync(trace, SmallTrace());
        var expected = await SimulateOverRestAsync(trace);

        await web.OnPageAsync("models", async page =>
        {
            var input = page.GetByTestId("sim-trace");
            await Expect(input).ToBeEnabledAsync();
            await input.SetInputFilesAsync(trace);
            await Expect(page.GetByTestId("sim-files")).ToContainTextAsync("small.jsonl");
            await page.GetByTestId("sim-run").ClickAsync();

            await Expect(page.GetByTestId("sim-summary")).ToContainTextAsync("small.jsonl: 24 requests");
            await Expect(page.GetByTestId("sim-policy")).ToHaveTextAsync(["convocanvas", "ollama"]);
            await Expect(page.GetByTestId("sim-legend")).ToHaveTextAsync(["convocanvas", "ollama"]);
            await Expect(page.GetByTestId("sim-error")).ToHaveCountAsync(0);
            var chart = page.GetByTestId("sim-chart");
            await Expect(chart.GetByTestId("sim-bar")).ToHaveCountAsync(10);

            foreach (var report in expected.GetProperty("reports").EnumerateArray())
            {
                var policy = report.GetProperty("policy").GetString()!;
                var column = policy == "convocanvas" ? 1 : 2;
                var wait = report.GetProperty("interactive_wait_ms");
                foreach (var (metric, value) in new[]
                {
                    ("p50", wait.GetProperty("p50").GetDouble()),
                    ("p95", wait.GetProperty("p95").GetDouble()),
                    ("p99", wait.GetProperty("p99").GetDouble()),
                    ("loads", report.GetProperty("loads").GetDouble()),
                    ("makespan", report.GetProperty("batch_makespan_s").GetDouble()),
                })
                {
                    var bar = chart.Locator($"[data-testid=sim-bar][data-policy='{policy}'][data-metric='{metric}']");
                    await Expect(bar).ToHaveCountAsync(1);
                    var shown = double.Parse((await bar.GetAttributeAsync("data-value"))!, CultureInfo.InvariantCulture);
                    Assert.True(Math.Abs(shown - value) < 0.001, $"{policy} {metric}: the chart shows {shown}, the REST simulation {value}");
                }
                var loads = page.Locator("[data-testid=sim-row][data-metric='loads'] td").Nth(column - 1);
                await Expect(loads).ToHaveTextAsync(report.GetProperty("loads").GetInt32().ToString("N0", CultureInfo.InvariantCulture));
                var unserved = page.Locator("[data-testid=sim-row][data-metric='unserved'] td").Nth(column - 1);
                await Expect(unserved).ToHaveTextAsync(report.GetProperty("unserved").GetInt32().ToString("N0", CultureInfo.InvariantCulture));
            }
            // The bars are scaled per metric: the larger of the two is full width.
            var loadBars = chart.Locator("[data-testid=sim-bar][data-metric='loads']");
            var widths = new List<double>();
            for (var i = 0; i < 2; i++)
            {
                widths.Add(double.Parse((await loadBars.Nth(i).GetAttributeAsync("width"))!, CultureInfo.InvariantCulture));
            }
            Assert.Equal(330, widths.Max(), 1);
        });
    }

    [Fact]
    public async Task A_malformed_trace_shows_the_message_with_the_line_numbers()
    {
        var folder = web.TemporaryFolder("cc-web-trace-");
        var bad = Path.Combine(folder, "bad.jsonl");
        var lines = SmallTrace().Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(4).ToList();
        lines[1] = "{\"t_ms\": 500, \"model\": \"llama3.1:8b\", ";
        lines[3] = lines[3].Replace("llama3.2:3b", "no-such-model:1b", StringComparison.Ordinal).Replace("qwen2.5:7b", "no-such-model:1b", StringComparison.Ordinal).Replace("llama3.1:8b", "no-such-model:1b", StringComparison.Ordinal);
        await File.WriteAllTextAsync(bad, string.Join('\n', lines) + "\n");
        var good = Path.Combine(folder, "good.jsonl");
        await File.WriteAllTextAsync(good, SmallTrace());

        await web.OnPageAsync("models", async page =>
        {
            var input = page.GetByTestId("sim-trace");
            await Expect(input).ToBeEnabledAsync();
            await input.SetInputFilesAsync(bad);
            await Expect(page.GetByTestId("sim-run")).ToBeEnabledAsync();
            await page.GetByTestId("sim-run").ClickAsync();

            var error = page.GetByTestId("sim-error");
            await Expect(error).ToContainTextAsync("trace 'bad.jsonl': 2 bad lines");
            await Expect(error).ToContainTextAsync("line 2: not a JSON object");
            await Expect(error).ToContainTextAsync("line 4: unknown model 'no-such-model:1b'");
            await Expect(page.GetByTestId("sim-table")).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("sim-chart")).ToHaveCountAsync(0);

            // A good trace afterwards clears the error.
            await Expect(input).ToBeEnabledAsync();
            await input.SetInputFilesAsync(good);
            await Expect(error).ToHaveCountAsync(0);
            await page.GetByTestId("sim-run").ClickAsync();
            await Expect(page.GetByTestId("sim-policy")).ToHaveTextAsync(["convocanvas", "ollama"]);
        });
    }

    [Fact]
    public async Task With_Ollama_unreachable_the_page_says_so_in_one_line_and_still_shows_the_budget_and_simulates()
    {
        var nobody = $"http://127.0.0.1:{PostgresServer.FreeTcpPort()}/";
        var silo = await web.StartOtherSiloAsync("web_no_ollama", new Dictionary<string, string> { ["CONVOCANVAS_OLLAMA"] = nobody });

        await web.OnPageAsync("models", async page =>
        {
            var ollama = page.GetByTestId("ollama");
            await Expect(ollama).ToHaveAttributeAsync("data-state", "unreachable");
            await Expect(ollama).ToContainTextAsync("Ollama is unreachable:");
            await Expect(ollama.GetByTestId("ollama-detail")).ToContainTextAsync($"not reachable at {nobody}");
            await Expect(page.GetByTestId("models-error")).ToHaveTextAsync("No models to show while Ollama is unreachable.");
            await Expect(page.GetByTestId("model-row")).ToHaveCountAsync(0);

            // The rest still renders: the budget (nothing loaded) and the simulator.
            await Expect(page.GetByTestId("vram-free")).ToContainTextAsync("free 17.2 GB");
            await Expect(page.GetByTestId("vram-empty")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("queue-empty")).ToBeVisibleAsync();
            await page.GetByTestId("sim-day").ClickAsync();
            await Expect(page.GetByTestId("sim-summary")).ToContainTextAsync("the generated day (seed 1)", new() { Timeout = 60_000 });
            await Expect(page.GetByTestId("sim-policy")).ToHaveTextAsync(["convocanvas", "ollama"]);
        }, silo);
    }

    private static double HeldSeconds(string text)
    {
        var match = Regex.Match(text, @"^(?:(\d+) min )?([0-9.]+) s$");
        Assert.True(match.Success, $"'{text}' is not a held time");
        return (match.Groups[1].Success ? 60 * int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0) + double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
    }

    private static ILocator Row(IPage page, string model) => page.Locator($"[data-testid=model-row][data-model='{model}']");

    private async Task<bool> PinnedAsync(string model)
    {
        var models = await web.Http.GetFromJsonAsync<JsonElement>("api/models");
        return models.EnumerateArray().Single(m => m.GetProperty("name").GetString() == model).GetProperty("pinned").GetBoolean();
    }

    private async Task UnloadIfLoadedAsync(string model)
    {
        var gpu = await web.Http.GetFromJsonAsync<JsonElement>("api/gpu");
        if (gpu.GetProperty("loaded").EnumerateArray().Any(m => m.GetProperty("model").GetString() == model))
        {
            using var unload = await web.Http.PostAsync($"api/models/{Uri.EscapeDataString(model)}/unload", null);
            Assert.True(unload.IsSuccessStatusCode, await unload.Content.ReadAsStringAsync());
        }
    }

    private async Task<JsonElement> SimulateOverRestAsync(string trace)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(trace)), "trace", Path.GetFileName(trace));
        using var response = await web.Http.PostAsync("api/models/simulate", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>
    /// 24 requests over three models of the shipped catalogue, interactive ones alternating between
    /// two models and a batch burst on a third: enough for the policies to differ in loads.
    /// </summary>
    private static string SmallTrace()
    {
        var text = new StringBuilder();
        string[] interactive = ["llama3.1:8b", "qwen2.5:7b", "llama3.2:3b"];
        for (var i = 0; i < 16; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{{\"t_ms\":{i * 1500},\"model\":\"{interactive[i % 3]}\",\"priority\":\"interactive\",\"prompt_tokens\":{400 + 50 * i},\"output_tokens\":200,\"num_ctx\":4096}}\n");
        }
        for (var i = 0; i < 8; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{{\"t_ms\":{2000 + i * 100},\"model\":\"phi4\",\"priority\":\"batch\",\"prompt_tokens\":1500,\"output_tokens\":400,\"num_ctx\":8192}}\n");
        }
        return text.ToString();
    }
}
