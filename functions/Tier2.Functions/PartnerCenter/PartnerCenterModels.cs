using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tier2.Functions.PartnerCenter;

// Partner Center's resources as Tier2 reads and writes them: camelCase JSON as Partner Center answers (it reads
// requests case-insensitively). Fields Tier2 does not name survive a read-modify-write in ExtensionData (a
// subscription PATCH must send the whole resource back, or auto-renew and next-term instructions are lost).

/// <summary>A page of a collection: <c>{totalCount, items, continuationToken, links{next{uri, headers}}}</c>.</summary>
public sealed record ResourceCollection<T>(int? TotalCount, IReadOnlyList<T>? Items, string? ContinuationToken, ResourceLinks? Links);

public sealed record ResourceLinks(ResourceLink? Next, ResourceLink? Self);

public sealed record ResourceLink(string? Uri, string? Method, IReadOnlyList<LinkHeader>? Headers);

public sealed record LinkHeader(string Key, string? Value);

public sealed record ResourceAttributes(string? ObjectType, string? Etag);

/// <summary>A reseller as Partner Center knows it: <see cref="Id"/> is its tenant id, <see cref="MpnId"/> its PartnerID.</summary>
public sealed record PartnerRelationship(string Id, string? Name, string? RelationshipType, string? State, string? MpnId, string? Location, ResourceAttributes? Attributes)
{
    public const string IndirectProviderOf = "is_indirect_cloud_solution_provider_of";
}

public sealed record AgreementStatus(bool IsAgreementSigned);

public sealed record MpnProfile
{
    public string? PartnerName { get; init; }

    public string? MpnId { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record Address(
    string? Country,
    string? City,
    string? State,
    string? AddressLine1,
    string? AddressLine2,
    string? PostalCode,
    string? FirstName = null,
    string? LastName = null,
    string? PhoneNumber = null,
    string? Region = null,
    string? AddressLine3 = null);

/// <summary>The answer of <c>POST /v1/validations/address</c>; <see cref="IsValid"/> for VerifiedShippable and Verified.</summary>
public sealed record AddressValidationResult(Address? OriginalAddress, IReadOnlyList<Address>? SuggestedAddresses, string? Status, string? ValidationMessage)
{
    public bool IsValid => Status is "VerifiedShippable" or "Verified";
}

public sealed record CountryValidationRules
{
    public string? Iso2Code { get; init; }

    public string? DefaultCulture { get; init; }

    public bool IsStateRequired { get; init; }

    public bool IsPostalCodeRequired { get; init; }

    public string? PostalCodeRegex { get; init; }

    public bool IsCityRequired { get; init; }

    public string? PhoneNumberRegex { get; init; }

    public bool IsRegistrationNumberSupported { get; init; }

    public IReadOnlyList<string>? SupportedLanguages { get; init; }

    public IReadOnlyList<string>? SupportedCultures { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record CompanyProfile(string? TenantId, string? Domain, string? CompanyName, string? OrganizationRegistrationNumber = null);

public sealed record BillingProfile(string? Id, string? Email, string? Culture, string? Language, string? CompanyName, Address? DefaultAddress);

/// <summary>The new customer's admin sign-in. The password is a secret shown once: never in ToString, never logged.</summary>
public sealed record UserCredentials(string? UserName, string? Password)
{
    public override string ToString() => $"UserCredentials {{ UserName = {UserName}, Password = (redacted) }}";
}

/// <summary>A customer; <see cref="AssociatedPartnerId"/> is the reseller's tenant id, <see cref="UserCredentials"/> only on the create answer.</summary>
public sealed record Customer(
    string Id,
    string? CommerceId,
    CompanyProfile? CompanyProfile,
    BillingProfile? BillingProfile,
    string? RelationshipToPartner,
    bool? AllowDelegatedAccess,
    UserCredentials? UserCredentials,
    string? AssociatedPartnerId,
    ResourceAttributes? Attributes);

/// <summary>
/// <c>POST /v1/customers</c>'s body for a reseller's customer: the domain (<c>*.onmicrosoft.com</c>), the billing
/// profile (culture, 2-letter language, the contact in the address) and the reseller's tenant id.
/// </summary>
public sealed record NewCustomer(CompanyProfile CompanyProfile, BillingProfile BillingProfile, string? AssociatedPartnerId);

/// <summary>A customer search: <c>{Field, Value, Operator}</c>, fields CompanyName, Domain, IndirectReseller, IndirectCloudSolutionProvider.</summary>
public sealed record CustomerFilter(
    [property: JsonPropertyName("Field")] string Field,
    [property: JsonPropertyName("Value")] string Value,
    [property: JsonPropertyName("Operator")] string Operator = "starts_with");

public sealed record RelationshipRequest(string? Url);

/// <summary>
/// The shape <c>GET /v1/customers/relationshiprequests?indirectResellerId=</c> answered in. Only the provider's own link is
/// documented (<c>{url, attributes}</c> [K:request-reseller-relationship]); with an indirect reseller the output is
/// UNVERIFIED (FACTS 4), so both plausible shapes are read and anything else is kept as it came.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<RelationshipRequestShape>))]
public enum RelationshipRequestShape
{
    /// <summary><c>{url, attributes{objectType:"RelationshipRequest"}}</c>, as documented for the provider's own link.</summary>
    Documented,

    /// <summary>A collection, <c>{totalCount, items[{url, ...}], attributes{objectType:"Collection"}}</c>: the first item's url.</summary>
    Collection,

    /// <summary>Neither shape carried a url: Tier2 keeps the answer as it came and says it did not understand it.</summary>
    NotUnderstood,
}

/// <summary>A relationship request link as Partner Center answered: the url (null when not understood), the shape, the raw JSON.</summary>
public sealed record RelationshipRequestAnswer(string? Url, RelationshipRequestShape Shape, string Raw)
{
    /// <summary>Reads either shape; the first url of a collection.</summary>
    public static RelationshipRequestAnswer Read(JsonElement answer)
    {
        var raw = answer.GetRawText();
        if (answer.ValueKind == JsonValueKind.Object && ReadUrl(answer) is { } url)
        {
            return new(url, RelationshipRequestShape.Documented, raw);
        }

        if (answer.ValueKind == JsonValueKind.Object && Property(answer, "items") is { ValueKind: JsonValueKind.Array } items)
        {
            foreach (var item in items.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && ReadUrl(item) is { } first)
                {
                    return new(first, RelationshipRequestShape.Collection, raw);
                }
            }
        }

        return new(null, RelationshipRequestShape.NotUnderstood, raw);
    }

    private static string? ReadUrl(JsonElement item) =>
        Property(item, "url") is { ValueKind: JsonValueKind.String } url && Uri.TryCreate(url.GetString(), UriKind.Absolute, out var parsed) && parsed.Scheme == Uri.UriSchemeHttps ? url.GetString() : null;

    private static JsonElement? Property(JsonElement item, string name)
    {
        foreach (var property in item.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }
}

public sealed record AgreementMetadata(string? TemplateId, string? AgreementType, string? AgreementLink, int? VersionRank);

public sealed record AgreementContact(string FirstName, string LastName, string Email, string? PhoneNumber);

/// <summary>An MCA attestation: <c>{primaryContact, templateId, dateAgreed, type}</c>; Partner Center adds <c>userId</c>.</summary>
public sealed record Agreement(AgreementContact PrimaryContact, string TemplateId, DateTimeOffset DateAgreed, string Type = Agreement.MicrosoftCustomerAgreement, string? UserId = null)
{
    public const string MicrosoftCustomerAgreement = "MicrosoftCustomerAgreement";
}

/// <summary>A participant of a cart line; <see cref="TransactionReseller"/> takes the reseller's PartnerID, never the provider's.</summary>
public sealed record CartParticipant(string Key, string Value)
{
    public const string TransactionReseller = "transaction_reseller";
}

public sealed record CartLineItemError(int ErrorCode, string? ErrorDescription);

public sealed record CartLineItem
{
    public int Id { get; init; }

    public string CatalogItemId { get; init; } = string.Empty;

    public int Quantity { get; init; }

    public string? BillingCycle { get; init; }

    public string? TermDuration { get; init; }

    public IReadOnlyList<CartParticipant>? Participants { get; init; }

    public string? OrderGroup { get; init; }

    public CartLineItemError? Error { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record Cart(
    string? Id,
    IReadOnlyList<CartLineItem> LineItems,
    [property: JsonPropertyName("PartnerOnRecordAttestationAccepted")] bool? PartnerOnRecordAttestationAccepted,
    string? Status = null,
    DateTimeOffset? CreationTimestamp = null,
    DateTimeOffset? ExpirationTimestamp = null);

public sealed record OrderError(string? OrderGroupId, int Code, string? Description);

public sealed record CartCheckoutResult(IReadOnlyList<Order>? Orders, IReadOnlyList<OrderError>? OrderErrors);

public sealed record OrderLineItem
{
    public int LineItemNumber { get; init; }

    public string? OfferId { get; init; }

    public string? SubscriptionId { get; init; }

    public int Quantity { get; init; }

    public string? PartnerIdOnRecord { get; init; }

    public string? TermDuration { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record Order
{
    public string? Id { get; init; }

    public string? ReferenceCustomerId { get; init; }

    public string? BillingCycle { get; init; }

    public IReadOnlyList<OrderLineItem>? LineItems { get; init; }

    public string? Status { get; init; }

    public DateTimeOffset? CreationDate { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record OrderLineItemProvisioningStatus
{
    public int LineItemNumber { get; init; }

    public string? Status { get; init; }

    public string? SubscriptionId { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A subscription; <see cref="PartnerId"/> is the reseller of record's PartnerID. PATCH sends it whole (read, change, write).</summary>
public sealed record Subscription
{
    public string Id { get; init; } = string.Empty;

    public string? OfferId { get; init; }

    public string? OfferName { get; init; }

    public string? FriendlyName { get; init; }

    public int Quantity { get; init; }

    public string? Status { get; init; }

    public string? PartnerId { get; init; }

    public bool? AutoRenewEnabled { get; init; }

    public string? TermDuration { get; init; }

    public string? BillingCycle { get; init; }

    public string? OrderId { get; init; }

    /// <summary>New commerce: the licences that may still be returned, and until when (the 7 days after purchase or renewal).</summary>
    public RefundableQuantity? RefundableQuantity { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A quantity that may still be returned, and until when [K:change-the-quantity-of-a-subscription].</summary>
public sealed record RefundableQuantityDetail(int Quantity, DateTimeOffset AllowedUntilDateTime);

/// <summary><c>refundableQuantity</c> on a new-commerce subscription.</summary>
public sealed record RefundableQuantity(int TotalQuantity, IReadOnlyList<RefundableQuantityDetail>? Details)
{
    /// <summary>How many licences may be returned at <paramref name="now"/>: those whose window has not closed.</summary>
    public int ReturnableAt(DateTimeOffset now) => Details?.Where(d => d.AllowedUntilDateTime > now).Sum(d => d.Quantity) ?? 0;
}

/// <summary>What a subscription PATCH answered: the subscription (200), or accepted for later (202, poll <see cref="Location"/>).</summary>
public sealed record SubscriptionChange(Subscription? Subscription, bool Accepted, Uri? Location);

public sealed record SupportContact(string SupportTenantId, string SupportMpnId, string? Name, ResourceAttributes? Attributes = null);

public sealed record ProductType(string? Id, string? DisplayName);

public sealed record Product
{
    public string Id { get; init; } = string.Empty;

    public string? Title { get; init; }

    public string? Description { get; init; }

    public ProductType? ProductType { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record Sku
{
    public string Id { get; init; } = string.Empty;

    public string? ProductId { get; init; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    /// <summary>The fewest licences a cart line may order (UNVERIFIED: FACTS 6.1 lists the call, not this field; the local server sends it).</summary>
    public int? MinimumQuantity { get; init; }

    /// <summary>The most licences a cart line may order.</summary>
    public int? MaximumQuantity { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record AvailabilityTerm(string? Duration, string? BillingCycle, string? Description);

/// <summary>An availability; <see cref="CatalogItemId"/> is <c>{productId}:{skuId}:{availabilityId}</c>, what a cart line orders.</summary>
public sealed record Availability
{
    public string Id { get; init; } = string.Empty;

    public string? ProductId { get; init; }

    public string? SkuId { get; init; }

    public string? CatalogItemId { get; init; }

    public IReadOnlyList<AvailabilityTerm>? Terms { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record AuditRecord
{
    public string? PartnerId { get; init; }

    /// <summary>The application that performed the operation [K:auditing-resources].</summary>
    public string? ApplicationId { get; init; }

    public string? CustomerId { get; init; }

    public string? CustomerName { get; init; }

    public string? UserPrincipalName { get; init; }

    public string? ResourceType { get; init; }

    public string? ResourceNewValue { get; init; }

    public string? ResourceOldValue { get; init; }

    public string? OperationType { get; init; }

    public DateTimeOffset? OperationDate { get; init; }

    public string? OperationStatus { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>
/// An audit-record search: <c>{Field, Value, Operator}</c> with Field CustomerId, CompanyName or ResourceType
/// [K:get-a-record-of-partner-center-activity-by-user]; the documented example's operator is <c>substring</c>.
/// </summary>
public sealed record AuditRecordFilter(
    [property: JsonPropertyName("Field")] string Field,
    [property: JsonPropertyName("Value")] string Value,
    [property: JsonPropertyName("Operator")] string Operator = "substring");

/// <summary>A webhook registration: <c>{SubscriberId, WebhookUrl, WebhookEvents}</c>.</summary>
public sealed record WebhookRegistration(
    [property: JsonPropertyName("SubscriberId")] string? SubscriberId,
    [property: JsonPropertyName("WebhookUrl")] string WebhookUrl,
    [property: JsonPropertyName("WebhookEvents")] IReadOnlyList<string> WebhookEvents);

public sealed record WebhookValidationEvent(string? CorrelationId);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(ResourceCollection<PartnerRelationship>))]
[JsonSerializable(typeof(AgreementStatus))]
[JsonSerializable(typeof(MpnProfile))]
[JsonSerializable(typeof(Address))]
[JsonSerializable(typeof(AddressValidationResult))]
[JsonSerializable(typeof(CountryValidationRules))]
[JsonSerializable(typeof(Customer))]
[JsonSerializable(typeof(ResourceCollection<Customer>))]
[JsonSerializable(typeof(NewCustomer))]
[JsonSerializable(typeof(CustomerFilter))]
[JsonSerializable(typeof(RelationshipRequest))]
[JsonSerializable(typeof(ResourceCollection<AgreementMetadata>))]
[JsonSerializable(typeof(Agreement))]
[JsonSerializable(typeof(Cart))]
[JsonSerializable(typeof(CartCheckoutResult))]
[JsonSerializable(typeof(Order))]
[JsonSerializable(typeof(ResourceCollection<Order>))]
[JsonSerializable(typeof(ResourceCollection<OrderLineItemProvisioningStatus>))]
[JsonSerializable(typeof(Subscription))]
[JsonSerializable(typeof(ResourceCollection<Subscription>))]
[JsonSerializable(typeof(SupportContact))]
[JsonSerializable(typeof(ResourceCollection<Product>))]
[JsonSerializable(typeof(ResourceCollection<Sku>))]
[JsonSerializable(typeof(ResourceCollection<Availability>))]
[JsonSerializable(typeof(Availability))]
[JsonSerializable(typeof(ResourceCollection<AuditRecord>))]
[JsonSerializable(typeof(AuditRecordFilter))]
[JsonSerializable(typeof(WebhookRegistration))]
[JsonSerializable(typeof(WebhookValidationEvent))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class PartnerCenterJsonContext : JsonSerializerContext;
