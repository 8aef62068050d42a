using Microsoft.Extensions.Options;
using Tier2.Functions.Customers;
using Tier2.Functions.Hosting;
using Tier2.Functions.Resellers;

namespace Tier2.Functions.Subscriptions;

/// <summary>
/// Who may be named on a subscription: the partner of record (for incentives) and the designated support contact
/// must be Active, partnered indirect resellers; the provider's own MPN ID is never a partner of record.
/// </summary>
public sealed class PartnerRules(ResellerStore resellers, IOptions<AppOptions> app)
{
    public async Task<(Reseller? Reseller, string? Error)> PartnerOfRecordAsync(string value, CancellationToken cancellationToken)
    {
        var providerMpn = app.Value.ProviderMpnId;
        if (providerMpn.Length > 0 && string.Equals(value.Trim(), providerMpn, StringComparison.Ordinal))
        {
            return (null, "The provider's own MPN ID cannot be partner of record; name an indirect reseller.");
        }

        var (reseller, error) = await ActiveResellerAsync(value, "partner of record", cancellationToken);
        if (reseller is not null && providerMpn.Length > 0 && string.Equals(reseller.MpnId, providerMpn, StringComparison.Ordinal))
        {
            return (null, $"Reseller '{reseller.CompanyName}' has the provider's own MPN ID ({providerMpn}), which cannot be partner of record.");
        }

        return (reseller, error);
    }

    public Task<(Reseller? Reseller, string? Error)> SupportContactAsync(string value, CancellationToken cancellationToken) =>
        ActiveResellerAsync(value, "support contact", cancellationToken);

    public static SupportContact ContactFor(Reseller reseller) => new(reseller.TenantId, reseller.MpnId, reseller.CompanyName, reseller.Id);

    private async Task<(Reseller? Reseller, string? Error)> ActiveResellerAsync(string value, string role, CancellationToken cancellationToken)
    {
        var reseller = CustomerNames.IsId(value) ? await resellers.GetAsync(value, cancellationToken) : null;
        if (reseller is null)
        {
            return (null, $"No partnered reseller has id '{value}'.");
        }

        return reseller.Status switch
        {
            ResellerStatus.Active => (reseller, null),
            ResellerStatus.AwaitingPartnerCenter => (null, $"{reseller.OrderRefusal} Until then it cannot be {role}."),
            _ => (null, $"Reseller '{reseller.CompanyName}' is {reseller.Status}; only an Active, partnered reseller can be {role}."),
        };
    }
}
