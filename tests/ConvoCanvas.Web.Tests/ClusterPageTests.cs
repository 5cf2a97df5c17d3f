using System.Text.RegularExpressions;
using ConvoCanvas.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConvoCanvas.Web.Tests;

/// <summary>The Cluster page against the silo whose cluster is the Kubernetes API emulator serving the real kind-cluster JSON.</summary>
[Collection(WebCollection.Name)]
public sealed class ClusterPageTests(WebFixture web)
{
    [Fact]
    public async Task The_page_draws_the_cluster_in_ASCII_and_Mermaid_and_lists_its_alerts_with_evidence()
    {
        if (RepositoryPaths.SharedData is null)
        {
            Console.WriteLine("skipped: ../shared/data (the kind-cluster JSON) is missing beside the repository");
            return;
        }
        await web.OnPageAsync("", async page =>
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Cluster" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/cluster$"));

            await Expect(page.GetByTestId("watch")).ToHaveAttributeAsync("data-connected", "true");
            var ascii = page.GetByTestId("ascii");
            await Expect(ascii).ToContainTextAsync("kind-control-plane");
            await Expect(ascii).ToContainTextAsync("deployment/coredns");
            await Expect(ascii).ToContainTextAsync("[!!] kind-worker ");

            // The alerts the real dump deserves: a NotReady node and no CoreDNS pod ready, with their evidence.
            var notReady = page.Locator("[data-testid=open-alert][data-rule=node-not-ready]");
            await Expect(notReady).ToHaveCountAsync(1);
            await Expect(notReady).ToContainTextAsync("node/kind-worker");
            await Expect(notReady).ToContainTextAsync("KubeletNotReady");
            await Expect(page.Locator("[data-testid=open-alert][data-rule=dns]")).ToHaveCountAsync(1);

            var mermaid = page.GetByTestId("mermaid");
            if (Environment.GetEnvironmentVariable("CONVOCANVAS_MERMAID") is { Length: > 0 } script && File.Exists(script))
            {
                await Expect(mermaid).ToHaveAttributeAsync("data-rendered", "svg");
                await Expect(mermaid.Locator("svg")).ToHaveCountAsync(1);
                await Expect(mermaid).ToContainTextAsync("deployment/coredns");
            }
            else
            {
                Console.WriteLine("the Mermaid renderer is not installed (CONVOCANVAS_MERMAID, see scripts/lib/mermaid.sh): checking the source fallback");
                await Expect(mermaid).ToHaveAttributeAsync("data-rendered", "source");
                await Expect(mermaid).ToContainTextAsync("flowchart TB");
            }
        });
    }

    [Fact]
    public async Task A_node_IP_change_in_the_cluster_shows_up_on_the_open_page_as_a_new_picture_and_an_alert()
    {
        if (RepositoryPaths.SharedData is null)
        {
            Console.WriteLine("skipped: ../shared/data (the kind-cluster JSON) is missing beside the repository");
            return;
        }
        await web.OnPageAsync("cluster", async page =>
        {
            var ascii = page.GetByTestId("ascii");
            await Expect(ascii).ToContainTextAsync("172.18.0.3");

            web.Kubernetes.SetNodeInternalIp("kind-worker2", "172.18.0.77");

            await Expect(ascii).ToContainTextAsync("172.18.0.77");
            var changed = page.Locator("[data-testid=open-alert][data-rule=node-ip-changed]");
            await Expect(changed).ToHaveCountAsync(1);
            await Expect(changed).ToContainTextAsync("node/kind-worker2");
            await Expect(changed).ToContainTextAsync("172.18.0.3");
            await Expect(changed).ToContainTextAsync("172.18.0.77");
            // The picture's history says what changed.
            await Expect(page.GetByTestId("history")).ToContainTextAsync("node kind-worker2: InternalIP 172.18.0.3 -> 172.18.0.77");
        });
    }
}
