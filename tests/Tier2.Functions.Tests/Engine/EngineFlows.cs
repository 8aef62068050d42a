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
        string? id = null;
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            using var document = JsonDocument.Parse(body);
            id = document.RootElement.GetProperty("id").GetString();
        }

        return (response.StatusCode, id, body);
    }

    public static async Task<JsonElement> GetInviteAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync(new Uri($"/api/resellers/invites/{id}", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET invite {id}: {(int)response.StatusCode} {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    /// <summary>GET /api/orchestrations/{id}: its runtime status, or "NotFound".</summary>
    public static async Task<(string Status, JsonElement View)> GetOrchestrationAsync(HttpClient client, string instanceId)
    {
        using var response = await client.GetAsync(new Uri($"/api/orchestrations/{instanceId}", UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return ("NotFound", default);
        }

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, $"GET orchestration {instanceId}: {(int)response.StatusCode} {body}");
        using var document = JsonDocument.Parse(body);
        var view = document.RootElement.Clone();
        return (view.GetProperty("status").GetString()!, view);
    }

    /// <summary>How many messages maildev holds for each address (case-insensitive), from one read of its inbox.</summary>
    public static async Task<Dictionary<string, int>> EmailCountsAsync(IEnumerable<string> addresses, Func<JsonElement, bool>? match = null)
    {
        var counts = addresses.ToDictionary(a => a, _ => 0, StringComparer.OrdinalIgnoreCase);
        var all = await MaildevClient.GetFromJsonAsync<JsonElement>(new Uri("/email", UriKind.Relative));
        foreach (var message in all.EnumerateArray())
        {
            if (match is not null && !match(message))
            {
                continue;
            }

            foreach (var to in message.GetProperty("to").EnumerateArray())
            {
                var address = to.GetProperty("address").GetString();
                if (address is not null && counts.TryGetValue(address, out var n))
                {
                    counts[address] = n + 1;
                }
            }
        }

        return counts;
    }

    public static bool IsInvitation(JsonElement message) =>
        message.GetProperty("subject").GetString()?.Contains("invites you to partner", StringComparison.Ordinal) == true;

    public static bool IsReminder(JsonElement message) =>
        message.GetProperty("subject").GetString()?.StartsWith("Reminder", StringComparison.Ordinal) == true;

    /// <summary>Waits until every address has at least one message, then a quiet period for late duplicates; returns the counts.</summary>
    public static async Task<Dictionary<string, int>> WaitForEmailsAsync(IReadOnlyCollection<string> addresses, TimeSpan timeout, Func<JsonElement, bool>? match = null, TimeSpan? quiet = null, Func<string>? context = null)
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
        var view = await Customers.CustomerTestKit.ExpectAsync(created, HttpStatusCode.Created);
        var id = view.GetProperty("id").GetString()!;
        using var submitted = await Customers.CustomerTestKit.SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: Customers.CustomerTestKit.ETagOf(created), idempotencyKey: "submit-" + id);
        await Customers.CustomerTestKit.ExpectAsync(submitted, HttpStatusCode.Accepted);
        return id;
    }

    public static async Task<JsonElement> GetOrderAsync(HttpClient provider, string orderId)
    {
        using var response = await provider.GetAsync($"/api/orders/{orderId}");
        return await Customers.CustomerTestKit.ExpectAsync(response, HttpStatusCode.OK);
    }

    /// <summary>Polls until the order is Completed, Failed or Cancelled and its orchestration has finished.</summary>
    public static async Task<JsonElement> WaitForOrderSettledAsync(HttpClient provider, string orderId, TimeSpan timeout, Func<string>? context = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement view = default;
        while (DateTime.UtcNow < deadline)
        {
            view = await GetOrderAsync(provider, orderId);
            if (view.GetProperty("status").GetString() is "Completed" or "Failed" or "Cancelled"
                && (await GetOrchestrationAsync(provider, "order-" + orderId)).Status is "Completed" or "Failed" or "Terminated")
            {
                return view;
            }

            await Task.Delay(300);
        }

        Assert.Fail($"Order {orderId} did not settle within {timeout}; last seen {view}\n{context?.Invoke()}");
        return view;
    }

    /// <summary>Every item of a paged list (<c>items</c> + <c>continuationToken</c>), or of a bare array.</summary>
    public static async Task<List<JsonElement>> ListAllAsync(HttpClient client, string url)
    {
        var items = new List<JsonElement>();
        string? continuation = null;
        do
        {
            var page = url + (continuation is null ? string.Empty : (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "continuationToken=" + Uri.EscapeDataString(continuation));
            using var response = await client.GetAsync(new Uri(page, UriKind.Relative));
            var body = await Customers.CustomerTestKit.ExpectAsync(response, HttpStatusCode.OK);
            if (body.ValueKind == JsonValueKind.Array)
            {
                items.AddRange(body.EnumerateArray());
                break;
            }

            items.AddRange(body.GetProperty("items").EnumerateArray());
            continuation = body.TryGetProperty("continuationToken", out var token) && token.ValueKind == JsonValueKind.String ? token.GetString() : null;
        }
        while (continuation is not null);

        return items;
    }
}
