namespace Tier2.Functions.Tests.Infrastructure;

/// <summary>Reads what the app really sent, from maildev's REST API.</summary>
public static class Maildev
{
    private static readonly HttpClient Client = new() { BaseAddress = TestApp.MaildevUrl, Timeout = TimeSpan.FromSeconds(30) };
    /// <summary>maildev's JSON (camelCase).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<IReadOnlyList<MaildevMessage>> MessagesToAsync(string address)
    {
        var all = await Client.GetFromJsonAsync<List<MaildevMessage>>(new Uri("/email", UriKind.Relative), Json) ?? [];
        return all
            .Where(m => m.To.Any(t => string.Equals(t.Address, address, StringComparison.OrdinalIgnoreCase)))
            .ToList();
    }

    public static async Task<MaildevMessage> WaitForMessageAsync(string address, Func<MaildevMessage, bool>? match = null, TimeSpan? timeout = null) =>
        (await Eventually.UntilAsync(
            async () => (await MessagesToAsync(address)).FirstOrDefault(m => match?.Invoke(m) ?? true),
            m => m is not null,
            timeout ?? TimeSpan.FromSeconds(60),
            $"an email to {address}"))!;
}

/// <summary>An email as maildev's REST API shows it (the fields the tests read; header names are lower case there).</summary>
public sealed record MaildevMessage(string MessageId, string Subject, string Text, string Html, IReadOnlyList<MaildevAddress> To, IReadOnlyDictionary<string, JsonElement> Headers);

public sealed record MaildevAddress(string Address, string? Name);
