using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Tier2.Functions.Offers;

/// <summary>
/// A subscription a customer can buy: license limits, commitment terms (ISO 8601) and billing cycles, and the Partner
/// Center NCE item a cart line orders for it (<c>{productId}:{skuId}:{availabilityId}</c>; required when Partner
/// Center is Enabled; the local Partner Center's Seed/catalog.json sells the same ids).
/// </summary>
public sealed partial record Offer(string Id, string Name, int MinQuantity, int MaxQuantity, IReadOnlyList<string> TermDurations, IReadOnlyList<string> BillingCycles, string? CatalogItemId = null);

/// <summary>The catalog file's shape: <c>{ "offers": [ ... ] }</c>.</summary>
public sealed record OfferCatalogFile(IReadOnlyList<Offer>? Offers);

/// <summary>Settings <c>Offers__*</c>.</summary>
public sealed class OffersOptions
{
    public const string Section = "Offers";

    /// <summary>The catalog file; by default <c>Offers/offers.json</c> next to the app.</summary>
    public string? CatalogPath { get; set; }

    /// <summary>
    /// The countries whose Partner Center catalog Tier2 syncs and sells (ISO 3166 two-letter codes, comma-separated;
    /// the first is the default of <c>GET /api/offers</c>).
    /// </summary>
    public string Countries { get; set; } = "US";

    public IReadOnlyList<string> CountryList => [.. Countries.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => c.ToUpperInvariant()).Distinct(StringComparer.Ordinal)];

    public string ResolvedPath() => string.IsNullOrWhiteSpace(CatalogPath)
        ? Path.Combine(Hosting.HostJson.AppFolder, "Offers", "offers.json")
        : Path.GetFullPath(CatalogPath, Hosting.HostJson.AppFolder);
}

/// <summary>The offers, loaded and validated once at start-up (an invalid catalog stops the app, naming the problem).</summary>
public sealed partial class OfferCatalog
{
    public static readonly IReadOnlyList<string> KnownTermDurations = ["P1M", "P1Y", "P3Y"];
    public static readonly IReadOnlyList<string> KnownBillingCycles = ["monthly", "annual", "triennial"];

    private readonly Dictionary<string, Offer> _byId;

    public OfferCatalog(IOptions<OffersOptions> options)
    {
        var (offers, errors) = Load(options.Value.ResolvedPath());
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Setting 'Offers__CatalogPath': " + string.Join(" ", errors));
        }

        Offers = offers;
        _byId = offers.ToDictionary(o => o.Id, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<Offer> Offers { get; }

    public Offer? Find(string? id) => id is not null && _byId.TryGetValue(id, out var offer) ? offer : null;

    /// <summary>The bundled offer that orders <paramref name="catalogItemId"/>, or null.</summary>
    public Offer? FindByCatalogItem(string? catalogItemId) =>
        catalogItemId is null ? null : Offers.FirstOrDefault(o => string.Equals(o.CatalogItemId, catalogItemId, StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads and checks a catalog file: every problem is reported, each naming the offer it is about.</summary>
    public static (IReadOnlyList<Offer> Offers, IReadOnlyList<string> Errors) Load(string path)
    {
        var errors = new List<string>();
        OfferCatalogFile? file;
        try
        {
            using var stream = File.OpenRead(path);
            file = JsonSerializer.Deserialize(stream, OffersJsonContext.Default.OfferCatalogFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return ([], [$"the offers catalog '{path}' cannot be read: {ex.Message}"]);
        }

        if (file?.Offers is not { Count: > 0 } offers)
        {
            return ([], [$"the offers catalog '{path}' has no offers."]);
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < offers.Count; i++)
        {
            var offer = offers[i];
            var name = $"offers[{i}]" + (offer?.Id is { } id ? $" ('{id}')" : string.Empty);
            if (offer is null)
            {
                errors.Add($"{name} is null.");
                continue;
            }

            if (offer.Id is null || !OfferId().IsMatch(offer.Id))
            {
                errors.Add($"{name}: id must be 1 to 64 letters, digits or dashes.");
            }
            else if (!seen.Add(offer.Id))
            {
                errors.Add($"{name}: id is used by another offer.");
            }

            if (string.IsNullOrWhiteSpace(offer.Name))
            {
                errors.Add($"{name}: name is required.");
            }

            if (offer.MinQuantity < 1 || offer.MaxQuantity < offer.MinQuantity || offer.MaxQuantity > 100_000)
            {
                errors.Add($"{name}: quantities must satisfy 1 <= minQuantity <= maxQuantity <= 100000 (got {offer.MinQuantity}..{offer.MaxQuantity}).");
            }

            if (offer.TermDurations is not { Count: > 0 } terms || terms.Any(t => !KnownTermDurations.Contains(t, StringComparer.Ordinal)) || terms.Distinct(StringComparer.Ordinal).Count() != terms.Count)
            {
                errors.Add($"{name}: termDurations must be distinct values of {string.Join(", ", KnownTermDurations)}.");
            }

            if (offer.CatalogItemId is { } item && !CatalogItemIdPattern().IsMatch(item))
            {
                errors.Add($"{name}: catalogItemId must read productId:skuId:availabilityId (got '{item}').");
            }

            if (offer.BillingCycles is not { Count: > 0 } cycles || cycles.Any(c => !KnownBillingCycles.Contains(c, StringComparer.Ordinal)) || cycles.Distinct(StringComparer.Ordinal).Count() != cycles.Count)
            {
                errors.Add($"{name}: billingCycles must be distinct values of {string.Join(", ", KnownBillingCycles)}.");
            }
        }

        return (errors.Count == 0 ? offers : [], errors);
    }

    /// <summary>
    /// Checks a purchase against the offer: the license count within its limits, a term and a billing cycle it
    /// sells, and a billing cycle that fits in the term (no annual billing of a monthly term). Errors by field.
    /// </summary>
    public static IEnumerable<(string Field, string Message)> CheckPurchase(Offer offer, int quantity, string? termDuration, string? billingCycle)
    {
        if (quantity < offer.MinQuantity || quantity > offer.MaxQuantity)
        {
            yield return ("quantity", $"{offer.Name} is sold in {offer.MinQuantity} to {offer.MaxQuantity} licenses; {quantity} is out of range.");
        }

        if (termDuration is null || !offer.TermDurations.Contains(termDuration, StringComparer.Ordinal))
        {
            yield return ("termDuration", $"{offer.Name} is sold for terms {string.Join(", ", offer.TermDurations)}; '{termDuration}' is not one of them.");
        }

        if (billingCycle is null || !offer.BillingCycles.Contains(billingCycle, StringComparer.Ordinal))
        {
            yield return ("billingCycle", $"{offer.Name} is billed {string.Join(", ", offer.BillingCycles)}; '{billingCycle}' is not one of them.");
        }
        else if ((billingCycle == "annual" && termDuration == "P1M") || (billingCycle == "triennial" && termDuration != "P3Y" && termDuration is not null))
        {
            yield return ("billingCycle", $"A {billingCycle} billing cycle does not fit a {termDuration} term.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9-]{1,64}$")]
    private static partial Regex OfferId();

    [GeneratedRegex("^[A-Z0-9]{1,20}:[A-Z0-9]{1,10}:[A-Z0-9]{1,20}$")]
    private static partial Regex CatalogItemIdPattern();
}

public sealed class OffersOptionsValidator : IValidateOptions<OffersOptions>
{
    public ValidateOptionsResult Validate(string? name, OffersOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (_, errors) = OfferCatalog.Load(options.ResolvedPath());
        var failures = errors.Select(e => "Setting 'Offers__CatalogPath': " + e).ToList();
        var countries = options.CountryList;
        if (countries.Count == 0 || countries.Any(c => c.Length != 2 || !c.All(char.IsAsciiLetterUpper)))
        {
            failures.Add($"Setting 'Offers__Countries' must list ISO 3166 two-letter country codes separated by commas, such as US,GB (got '{options.Countries}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(OfferCatalogFile))]
[JsonSerializable(typeof(IReadOnlyList<Offer>))]
[JsonSerializable(typeof(Offer))]
internal sealed partial class OffersJsonContext : JsonSerializerContext;
