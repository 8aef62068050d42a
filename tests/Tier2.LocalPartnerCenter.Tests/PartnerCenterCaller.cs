using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter.Tests;

/// <summary>Calls a local Partner Center over HTTP as a client would: a token from its token endpoint, the documented
/// headers on every call, typed bodies.</summary>
internal sealed class PartnerCenterCaller(LocalPartnerCenter pc) : IDisposable
{
    public const string ResellerTenant = "484e548c-f5f3-4528-93a9-c16c6373cb59";
    public const string ResellerMpn = "4847383";

    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = pc.BaseUrl };
    private string? _accessToken;

    public HttpClient Http => _http;

    public async Task<TokenResponse> RedeemAsync(string grantType, params (string Key, string Value)[] fields)
    {
        using HttpResponseMessage response = await PostTokenAsync(grantType, fields);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(PartnerCenterJson.Default.TokenResponse))!;
    }

    public Task<HttpResponseMessage> PostTokenAsync(string grantType, params (string Key, string Value)[] fields)
    {
        Dictionary<string, string> form = new()
        {
            ["grant_type"] = grantType,
            ["client_id"] = pc.Options.ClientId,
            ["client_secret"] = pc.Options.ClientSecret,
            ["resource"] = "https://api.partnercenter.microsoft.com",
        };
        foreach ((string key, string value) in fields)
        {
            form[key] = value;
        }

        return _http.PostAsync(pc.TokenEndpoint, new FormUrlEncodedContent(form));
    }

    /// <summary>Signs in App+User from a seeded refresh token; seeds the usual reseller.</summary>
    public async Task<PartnerCenterCaller> AsAppPlusUserAsync()
    {
        pc.SeedReseller(new SeededReseller(ResellerTenant, ResellerMpn, "First Up Consultants"));
        _accessToken = (await RedeemAsync("refresh_token", ("refresh_token", pc.IssueRefreshToken().RefreshToken))).AccessToken;
        return this;
    }

    public void UseToken(string accessToken) => _accessToken = accessToken;

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? body = null, string? requestId = null,
        params (string Name, string Value)[] headers)
    {
        using HttpRequestMessage request = new(method, path.TrimStart('/')) { Content = body };
        request.Headers.Authorization = new("Bearer", _accessToken);
        request.Headers.Add("MS-RequestId", requestId ?? Guid.NewGuid().ToString());
        request.Headers.Add("MS-CorrelationId", Guid.NewGuid().ToString());
        request.Headers.Add("MS-Contract-Version", "v1");
        foreach ((string name, string value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await _http.SendAsync(request);
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected, JsonTypeInfo<T> type)
    {
        Assert.True(expected == response.StatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync(type))!;
    }

    public async Task<Customer> CreateCustomerAsync(string domain, string? requestId = null)
    {
        using HttpResponseMessage response = await SendAsync(HttpMethod.Post, "v1/customers", JsonContent.Create(NewCustomer(domain), PartnerCenterJson.Default.Customer), requestId);
        return await ReadAsync(response, HttpStatusCode.Created, PartnerCenterJson.Default.Customer);
    }

    public static Customer NewCustomer(string domain) => new(
        CompanyProfile: new CustomerCompanyProfile(Domain: domain),
        BillingProfile: new CustomerBillingProfile(Email: "gena@wingtiptoys.com", Culture: "en-US", Language: "en", CompanyName: "Wingtip Toys " + domain,
            DefaultAddress: new Address("US", City: "Redmond", State: "WA", AddressLine1: "One Microsoft Way", PostalCode: "98052",
                FirstName: "Gena", LastName: "Soto", PhoneNumber: "4255550101")),
        AssociatedPartnerId: ResellerTenant);

    /// <summary>A customer with its MCA attested and a cart of <paramref name="quantity"/> Exchange Online licences.</summary>
    public async Task<(Customer Customer, Cart Cart)> CustomerWithCartAsync(string domain, int quantity = 2)
    {
        Customer customer = await CreateCustomerAsync(domain);
        Agreement agreement = new(new AgreementContact("Gena", "Soto", "gena@wingtiptoys.com"), "117a77b0-9360-443b-8795-c6dedc750cf9",
            "2026-12-01", "MicrosoftCustomerAgreement");
        using (HttpResponseMessage attested = await SendAsync(HttpMethod.Post, $"v1/customers/{customer.Id}/agreements", JsonContent.Create(agreement, PartnerCenterJson.Default.Agreement)))
        {
            Assert.Equal(HttpStatusCode.Created, attested.StatusCode);
        }

        Cart cart = new(PartnerOnRecordAttestationAccepted: true, LineItems:
            [new CartLineItem(1, "CFQ7TTC0LH18:0001:CFQ7TTC0K971", quantity, "monthly", "P1Y", [new KeyValue("transaction_reseller", ResellerMpn)])]);
        using HttpResponseMessage created = await SendAsync(HttpMethod.Post, $"v1/customers/{customer.Id}/carts", JsonContent.Create(cart, PartnerCenterJson.Default.Cart));
        return (customer, await ReadAsync(created, HttpStatusCode.Created, PartnerCenterJson.Default.Cart));
    }

    public async Task<HttpResponseMessage> CheckoutAsync(Customer customer, Cart cart) =>
        await SendAsync(HttpMethod.Post, $"v1/customers/{customer.Id}/carts/{cart.Id}/checkout");

    public void Dispose() => _http.Dispose();
}
