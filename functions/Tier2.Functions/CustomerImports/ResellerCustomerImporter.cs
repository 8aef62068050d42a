using Tier2.Functions.Customers;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Resellers;

namespace Tier2.Functions.CustomerImports;

/// <summary>The input of an import: whose customers, which import, and who started it (the actor of every row it writes).</summary>
public sealed record CustomerImportTarget(string ResellerId, string ImportId, string StartedBy);

/// <summary>What one import run found: the counts and the lines about customers it could not take.</summary>
public sealed record CustomerImportResult(CustomerImportCounts Counts, IReadOnlyList<string> Notes);

/// <summary>
/// Reads every page of Partner Center's customers of one reseller (<c>GET /v1/customers?filter=IndirectReseller</c>,
/// FACTS 7, through the client's seek paging) and makes each a Tier2 row delegated to the reseller: a row that carries
/// its Partner Center id, or else its <c>*.onmicrosoft.com</c> domain, is linked; any other is created, marked imported,
/// with the Partner Center id as its Tier2 id. Safe to repeat from the first page: a row made or linked by this import
/// counts as it did the first time, and nothing is made twice (the id is Partner Center's).
/// </summary>
public sealed class ResellerCustomerImporter(CustomerStore customers, ResellerStore resellers, PartnerCenterClient partnerCenter, TimeProvider time)
{
    /// <summary>Partner Center's largest documented page (FACTS 7): fewest calls against the rate limit.</summary>
    public const int PageSize = 500;

    private const string DomainSuffix = ".onmicrosoft.com";

    public async Task<CustomerImportResult> RunAsync(CustomerImportTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var reseller = await resellers.GetAsync(target.ResellerId, cancellationToken)
            ?? throw new InvalidOperationException($"Reseller {target.ResellerId} does not exist.");
        var keys = await customers.ReadKeysAsync(cancellationToken);
        var tally = new Tally();
        var resellerTenant = reseller.TenantId.ToString("D");
        await foreach (var listed in partnerCenter.Customers.ListOfResellerAsync(resellerTenant, PageSize, cancellationToken))
        {
            tally.Listed++;
            if (listed.AssociatedPartnerId is { Length: > 0 } other && !string.Equals(other, resellerTenant, StringComparison.OrdinalIgnoreCase))
            {
                // The filter is a prefix match (starts_with): a longer id that merely starts with this tenant is not the reseller's.
                tally.Skip($"{Name(listed)}: Partner Center lists it for another reseller ({other}).");
                continue;
            }

            await TakeAsync(listed, reseller, keys, target, tally, cancellationToken);
        }

        return new CustomerImportResult(new CustomerImportCounts(tally.Listed, tally.Linked, tally.Imported, tally.Unchanged, tally.Skipped), tally.Notes);
    }

    private async Task TakeAsync(PartnerCenter.Customer listed, Reseller reseller, CustomerKeys keys, CustomerImportTarget target, Tally tally, CancellationToken cancellationToken)
    {
        var domainPrefix = DomainPrefix(listed.CompanyProfile?.Domain);
        var rowId = keys.ByPartnerCenterId(listed.Id);
        if (rowId is null && domainPrefix is not null && keys.ByDomainPrefix(domainPrefix) is { } byDomain)
        {
            if (byDomain.PartnerCenterId is { } held && !string.Equals(held, listed.Id, StringComparison.OrdinalIgnoreCase))
            {
                tally.Skip($"{Name(listed)}: Tier2's customer {byDomain.CustomerId} has its domain but is Partner Center customer {held}.");
                return;
            }

            rowId = byDomain.CustomerId;
        }

        var existing = await customers.GetAsync(rowId ?? listed.Id, cancellationToken);
        if (existing is not null)
        {
            if (existing.ImportId == target.ImportId)
            {
                // Made by this import before a crash or a retry: its index rows may not have been written yet.
                await customers.EnsureIndexedAsync(existing, reseller, cancellationToken);
                tally.Imported++;
            }
            else if (await customers.LinkToPartnerCenterAsync(existing, listed.Id, reseller, target.ImportId, target.StartedBy, cancellationToken) || existing.LinkedByImportId == target.ImportId)
            {
                tally.Linked++;
            }
            else
            {
                tally.Unchanged++;
            }

            return;
        }

        if (!CustomerNames.IsId(listed.Id) || domainPrefix is null)
        {
            tally.Skip($"{Name(listed)}: its id or domain cannot be a Tier2 customer's (id '{listed.Id}', domain '{listed.CompanyProfile?.Domain}').");
            return;
        }

        await customers.CreateAsync(NewRow(listed, domainPrefix, reseller, target.ImportId), reseller, target.StartedBy, cancellationToken);
        tally.Imported++;
    }

    private Customers.Customer NewRow(PartnerCenter.Customer listed, string domainPrefix, Reseller reseller, string importId) => new()
    {
        Id = listed.Id,
        CompanyName = listed.CompanyProfile?.CompanyName is { Length: > 0 } name ? name.Trim() : domainPrefix,
        DomainPrefix = domainPrefix,
        AssociatedPartnerId = reseller.Id,
        PartnerCenterId = listed.Id,
        Imported = true,
        ImportId = importId,
        CreatedAt = time.GetUtcNow(),
    };

    /// <summary>The prefix of a <c>*.onmicrosoft.com</c> domain, lower case; a custom domain is kept whole (Tier2 shows it with the suffix).</summary>
    private static string? DomainPrefix(string? domain) =>
        string.IsNullOrWhiteSpace(domain) ? null
        : domain.EndsWith(DomainSuffix, StringComparison.OrdinalIgnoreCase) ? domain[..^DomainSuffix.Length].Trim().ToLowerInvariant()
        : domain.Trim().ToLowerInvariant();

    private static string Name(PartnerCenter.Customer c) => $"{c.CompanyProfile?.CompanyName ?? "(no name)"} ({c.Id})";

    private sealed class Tally
    {
        public int Listed { get; set; }

        public int Linked { get; set; }

        public int Imported { get; set; }

        public int Unchanged { get; set; }

        public int Skipped { get; private set; }

        public List<string> Notes { get; } = [];

        public void Skip(string note)
        {
            Skipped++;
            if (Notes.Count < CustomerImport.MaxNotes)
            {
                Notes.Add(note);
            }
        }
    }
}
