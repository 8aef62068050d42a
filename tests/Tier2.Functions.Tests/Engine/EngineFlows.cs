using Tier2.Functions.Invites;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Orders;
using Tier2.Functions.Storage;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Engine;

/// <summary>Invites, orders and maildev counts over HTTP, for the engine tests (which may talk to a child process).</summary>
public static class EngineFlows
{
    private static readonly HttpClient MaildevClient = new() { BaseAddress = TestApp.MaildevUrl, Timeout = TimeSpan.FromSeconds(60) };

    public static string NewEmail(string stem) => $"{stem}-{Guid.NewGuid():N}@engine.example";

    /// <summary>POST /api/resellers/invites; returns the status code and the invite id (when 202).</summary>
    public static async Task<(HttpStatusCode Status, string? Id, string Body)> CreateInviteAsync(HttpClient client, string email, string delivery = "email", string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/resellers/invites") { Content = JsonContent.Create(new { email, companyName = "Engine Co", delivery }) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var id = response.StatusCode == HttpStatusCode.Accepted ? (await response.ReadAsync<InviteView>()).Id : null;
        return (response.StatusCode, id, body);
    }

    public static async Task<InviteView> GetInviteAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync(new Uri($"/api/resellers/invites/{id}", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET invite {id}: {(int)response.StatusCode} {body}");
        return await response.ReadAsync<InviteView>();
    }

    /// <summary>GET /api/orchestrations/{id}: its runtime status, or "NotFound".</summary>
    public static async Task<(string Status, OrchestrationView? View)> GetOrchestrationAsync(HttpClient client, string instanceId)
    {
        using var response = await client.GetAsync(new Uri($"/api/orchestrations/{instanceId}", UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return ("NotFound", null);
        }

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, $"GET orchestration {instanceId}: {(int)response.StatusCode} {body}");
        var view = await response.ReadAsync<OrchestrationView>();
        return (view.Status, view);
    }

    /// <summary>How many messages maildev holds for each address (case-insensitive), from one read of its inbox.</summary>
    public static async Task<Dictionary<string, int>> EmailCountsAsync(IEnumerable<string> addresses, Func<MaildevMessage, bool>? match = null)
    {
        var counts = addresses.ToDictionary(a => a, _ => 0, StringComparer.OrdinalIgnoreCase);
        var all = await MaildevClient.GetFromJsonAsync<List<MaildevMessage>>(new Uri("/email", UriKind.Relative), Maildev.Json) ?? [];
        foreach (var message in all)
        {
            if (match is not null && !match(message))
            {
                continue;
            }

            foreach (var to in message.To)
            {
                var address = to.Address;
                if (address is not null && counts.TryGetValue(address, out var n))
                {
                    counts[address] = n + 1;
                }
            }
        }

        return counts;
    }

    public static bool IsInvitation(MaildevMessage message) =>
        message.Subject?.Contains("invites you to partner", StringComparison.Ordinal) == true;

    public static bool IsReminder(MaildevMessage message) =>
        message.Subject?.StartsWith("Reminder", StringComparison.Ordinal) == true;

    /// <summary>Waits until every address has at least one message, then a quiet period for late duplicates; returns the counts.</summary>
    public static async Task<Dictionary<string, int>> WaitForEmailsAsync(IReadOnlyCollection<string> addresses, TimeSpan timeout, Func<MaildevMessage, bool>? match = null, TimeSpan? quiet = null, Func<string>? context = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        Dictionary<string, int> counts;
        while (true)
        {
            counts = await EmailCountsAsync(addresses, match);
            if (counts.Values.All(n => n > 0))
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                var missing = counts.Where(c => c.Value == 0).Select(c => c.Key).ToList();
                Assert.Fail($"{missing.Count} of {addresses.Count} addresses got no email within {timeout}: {string.Join(", ", missing.Take(20))}\n{context?.Invoke()}");
            }

            await Task.Delay(500);
        }

        await Task.Delay(quiet ?? TimeSpan.FromSeconds(3));
        return await EmailCountsAsync(addresses, match);
    }

    public static string Duplicates(Dictionary<string, int> counts) =>
        string.Join(", ", counts.Where(c => c.Value != 1).Select(c => $"{c.Key}: {c.Value}"));

    // Orders.

    public static readonly (string OfferId, int Quantity, string Term, string Billing)[] FourLines =
    [
        ("o365-e3", 5, "P1M", "monthly"),
        ("m365-e5", 2, "P1Y", "annual"),
        ("exchange-online-p1", 10, "P1Y", "monthly"),
        ("teams-rooms-pro", 1, "P1Y", "annual"),
    ];

    /// <summary>Creates a draft (201) and submits it (202); returns the order id.</summary>
    public static async Task<string> CreateAndSubmitOrderAsync(HttpClient provider, string? resellerId, string companyName, params (string OfferId, int Quantity, string Term, string Billing)[] lines)
    {
        var body = Customers.CustomerTestKit.OrderBody(resellerId, Customers.CustomerTestKit.NewDomainPrefix("eng"), companyName, lines);
        using var created = await provider.PostAsJsonAsync("/api/orders", body);
        var view = await Customers.CustomerTestKit.ExpectAsync<OrderView>(created, HttpStatusCode.Created);
        var id = view.Id;
        using var submitted = await Customers.CustomerTestKit.SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: Customers.CustomerTestKit.ETagOf(created), idempotencyKey: "submit-" + id);
        await Customers.CustomerTestKit.ExpectAsync(submitted, HttpStatusCode.Accepted);
        return id;
    }

    public static async Task<OrderView> GetOrderAsync(HttpClient provider, string orderId)
    {
        using var response = await provider.GetAsync($"/api/orders/{orderId}");
        return await Customers.CustomerTestKit.ExpectAsync<OrderView>(response, HttpStatusCode.OK);
    }

    /// <summary>Polls until the order is Completed, Failed or Cancelled and its orchestration has finished.</summary>
    public static async Task<OrderView> WaitForOrderSettledAsync(HttpClient provider, string orderId, TimeSpan timeout, Func<string>? context = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        OrderView? view = null;
        while (DateTime.UtcNow < deadline)
        {
            view = await GetOrderAsync(provider, orderId);
            if (view.Status is OrderStatus.Completed or OrderStatus.Failed or OrderStatus.Cancelled
                && (await GetOrchestrationAsync(provider, "order-" + orderId)).Status is "Completed" or "Failed" or "Terminated")
            {
                return view;
            }

            await Task.Delay(300);
        }

        Assert.Fail($"Order {orderId} did not settle within {timeout}; last seen {view}\n{context?.Invoke()}");
        return view!;
    }

    /// <summary>Every item of a paged list (<see cref="Page{T}"/>: items + continuation token).</summary>
    public static async Task<List<T>> ListAllAsync<T>(HttpClient client, string url)
    {
        var items = new List<T>();
        string? continuation = null;
        do
        {
            var page = url + (continuation is null ? string.Empty : (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "continuationToken=" + Uri.EscapeDataString(continuation));
            using var response = await client.GetAsync(new Uri(page, UriKind.Relative));
            var body = await Customers.CustomerTestKit.ExpectAsync<Page<T>>(response, HttpStatusCode.OK);
            items.AddRange(body.Items);
            continuation = body.ContinuationToken;
        }
        while (continuation is not null);

        return items;
    }
}
