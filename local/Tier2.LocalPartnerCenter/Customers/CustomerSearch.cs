using System.Globalization;
using System.Text;
using System.Text.Json;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary><c>GET /v1/customers?size=&amp;filter=</c> with seek paging (FACTS 7): each page carries continuationToken and
/// links.next {uri + seekOperation=next, headers [MS-ContinuationToken]}; the next page is the same URL plus
/// seekOperation=next with that header. Next links alternate between lacking and having the /v1 prefix (both are seen
/// [SDK:PartnerServiceProxy.cs L319-347]), so a client must handle both.</summary>
internal static class CustomerSearch
{
    private const int DefaultPageSize = 200;

    public static IResult List(HttpRequest request, PartnerCenterState state)
    {
        IQueryCollection query = request.Query;
        int size = int.TryParse(query["size"], NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s > 0 ? s : DefaultPageSize;
        size = Math.Min(size, Math.Max(1, state.Options.MaxCustomerPageSize));
        string? filterText = query["filter"];
        (Func<Customer, bool>? matches, IResult? bad) = ParseFilter(filterText, state);
        if (bad is not null)
        {
            return bad;
        }

        int offset = 0;
        if (string.Equals(query["seekOperation"], "next", StringComparison.OrdinalIgnoreCase)
            && !TryReadToken(request.Headers["MS-ContinuationToken"], out offset))
        {
            return PartnerCenterErrors.InvalidInput("MS-ContinuationToken", "must be the continuationToken of the previous page.");
        }

        lock (state.Gate)
        {
            List<Customer> all = [.. state.Customers.Where(matches!)];
            List<Customer> page = [.. all.Skip(offset).Take(size).Select(c => c with { UserCredentials = null })];
            bool more = offset + page.Count < all.Count;
            string? token = more ? Token(offset + page.Count) : null;
            string path = $"customers?size={size}" + (filterText is null ? "" : $"&filter={Uri.EscapeDataString(filterText)}");
            string prefix = offset / size % 2 == 0 ? "/" : "/v1/";
            CollectionLinks links = new(new ResourceLink("/v1/" + path, "GET", []),
                token is null ? null : new ResourceLink(prefix + path + "&seekOperation=next", "GET", [new LinkHeader("MS-ContinuationToken", token)]));
            return TypedResults.Json(new ResourceCollection<Customer>(page.Count, page, new ResourceAttributes("Collection"), links, token),
                PartnerCenterJson.Default.ResourceCollectionCustomer);
        }
    }

    /// <summary><c>{"Field":…,"Value":…,"Operator":"starts_with"|"equals"}</c>; other operators are 400/2000 as the SDK's
    /// tests show [SDK:DefaultPartnerServiceErrorHandlerTests.cs L55].</summary>
    private static (Func<Customer, bool>? Matches, IResult? Error) ParseFilter(string? filterText, PartnerCenterState state)
    {
        if (string.IsNullOrEmpty(filterText))
        {
            return (_ => true, null);
        }

        string field, value, op;
        try
        {
            using JsonDocument filter = JsonDocument.Parse(filterText);
            field = Property(filter.RootElement, "Field");
            value = Property(filter.RootElement, "Value");
            op = Property(filter.RootElement, "Operator");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return (null, PartnerCenterErrors.InvalidInput("filter", "must be {\"Field\",\"Value\",\"Operator\"} JSON."));
        }

        if (op is not ("starts_with" or "equals"))
        {
            return (null, PartnerCenterErrors.Fail(400, 2000, "Customer search only allows starts with and equals operation."));
        }

        Func<string?, bool> test = op == "equals"
            ? candidate => string.Equals(candidate, value, StringComparison.OrdinalIgnoreCase)
            : candidate => candidate?.StartsWith(value, StringComparison.OrdinalIgnoreCase) == true;
        Func<Customer, bool>? matches = field.ToUpperInvariant() switch
        {
            "INDIRECTRESELLER" => c => test(c.AssociatedPartnerId),
            "DOMAIN" => c => test(c.CompanyProfile?.Domain),
            "COMPANYNAME" => c => test(c.CompanyProfile?.CompanyName),
            "INDIRECTCLOUDSOLUTIONPROVIDER" => _ => test(state.Options.ProviderTenantId),
            _ => null,
        };
        return matches is null ? (null, PartnerCenterErrors.InvalidInput("filter.Field", $"'{field}' is not a customer search field.")) : (matches, null);
    }

    private static string Property(JsonElement element, string name) =>
        element.EnumerateObject().First(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value.GetString()
        ?? throw new InvalidOperationException($"{name} is null.");

    private static string Token(int offset) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"seek:{offset}"));

    private static bool TryReadToken(string? token, out int offset)
    {
        offset = 0;
        try
        {
            string text = Encoding.UTF8.GetString(Convert.FromBase64String(token ?? ""));
            return text.StartsWith("seek:", StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out offset);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
