namespace Tier2.Functions.Tests.Infrastructure;

/// <summary>Reads what the app really sent, from maildev's REST API.</summary>
public static class Maildev
{
    private static readonly HttpClient Client = new() { BaseAddress = TestApp.MaildevUrl, Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<IReadOnlyList<JsonElement>> MessagesToAsync(string address)
    {
        var all = await Client.GetFromJsonAsync<JsonElement>(new Uri("/email", UriKind.Relative));
        return all.EnumerateArray()
            .Where(m => m.GetProperty("to").EnumerateArray().Any(t => string.Equals(t.GetProperty("address").GetString(), address, StringComparison.OrdinalIgnoreCase)))
            .Select(m => m.Clone())
            .ToList();
    }

    public static Task<JsonElement> WaitForMessageAsync(string address, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(
            async () => (await MessagesToAsync(address)).FirstOrDefault(m => match?.Invoke(m) ?? true),
            m => m.ValueKind == JsonValueKind.Object,
            timeout ?? TimeSpan.FromSeconds(60),
            $"an email to {address}");
}
