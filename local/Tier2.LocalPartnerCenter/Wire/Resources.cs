using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tier2.LocalPartnerCenter.Wire;

// Partner Center resources as the documented examples show them. Request and response share one record: every
// field is nullable so a request body can leave it out, and null fields are not written.

/// <summary>A provider–reseller relationship (FACTS 3, Example 1).</summary>
public sealed record PartnerRelationship(
    string Id, string Name, string RelationshipType, string State, string MpnId, string Location, ResourceAttributes Attributes);

/// <summary><c>{isAgreementSigned}</c> [K:verify-indirect-reseller-mpa-status].</summary>
public sealed record AgreementStatus(bool IsAgreementSigned);

/// <summary>An MpnProfile [K:get-partner-by-mpn-id].</summary>
public sealed record MpnProfile(string PartnerName, string MpnId, string ProfileType, ResourceAttributes Attributes);

/// <summary>An Address [K:utility-resources#Address].</summary>
public sealed record Address(
    string? Country = null, string? Region = null, string? City = null, string? State = null,
    string? AddressLine1 = null, string? AddressLine2 = null, string? AddressLine3 = null, string? PostalCode = null,
    string? FirstName = null, string? MiddleName = null, string? LastName = null, string? PhoneNumber = null);

/// <summary>The address validation answer [K:validate-an-address].</summary>
public sealed record AddressValidationResponse(
    Address OriginalAddress, IReadOnlyList<Address> SuggestedAddresses, string Status, string? ValidationMessage);

/// <summary>A state in <see cref="CountryValidationRules"/>.</summary>
public sealed record StateList(IReadOnlyList<string> Value);

/// <summary>CountryInformation [K:get-market-specific-validation-data].</summary>
public sealed record CountryValidationRules(
    string Iso2Code, string DefaultCulture, bool IsStateRequired, StateList States, IReadOnlyList<string> SupportedLanguages,
    IReadOnlyList<string> SupportedCultures, bool IsPostalCodeRequired, string? PostalCodeRegex, bool IsCityRequired,
    string? PhoneNumberRegex, bool IsRegistrationNumberSupported, bool IsPhoneNumberRequired, ResourceAttributes Attributes);

/// <summary>CustomerCompanyProfile.</summary>
public sealed record CustomerCompanyProfile(
    string? TenantId = null, string? Domain = null, string? CompanyName = null, string? OrganizationRegistrationNumber = null,
    ResourceAttributes? Attributes = null);

/// <summary>CustomerBillingProfile.</summary>
public sealed record CustomerBillingProfile(
    string? Id = null, string? Email = null, string? Culture = null, string? Language = null, string? CompanyName = null,
    Address? DefaultAddress = null, ResourceAttributes? Attributes = null);

/// <summary>The new tenant's admin credentials, in the create answer only (a secret: the portal shows it once).</summary>
public sealed record UserCredentials(string UserName, string Password);

/// <summary>A Customer (Example 2).</summary>
public sealed record Customer(
    string? Id = null, string? CommerceId = null, CustomerCompanyProfile? CompanyProfile = null,
    CustomerBillingProfile? BillingProfile = null, string? RelationshipToPartner = null, bool? AllowDelegatedAccess = null,
    UserCredentials? UserCredentials = null, string? AssociatedPartnerId = null, ResourceAttributes? Attributes = null);

/// <summary>The reseller relationship request link [K:request-reseller-relationship].</summary>
public sealed record RelationshipRequest(string Url, ResourceAttributes Attributes);

/// <summary>An answer that carries the link under a name no documented shape uses (RelationshipRequestShape.Unrecognized).</summary>
public sealed record UnrecognizedRelationshipRequest(string InvitationLink, ResourceAttributes Attributes);

/// <summary>AgreementMetaData [K:get-customer-agreement-metadata].</summary>
public sealed record AgreementMetadata(
    string TemplateId, string AgreementType, string AgreementLink, int VersionRank, ResourceAttributes Attributes);

/// <summary>The contact who accepted an agreement.</summary>
public sealed record AgreementContact(string? FirstName = null, string? LastName = null, string? Email = null, string? PhoneNumber = null);

/// <summary>A customer's Agreement [K:confirm-customer-consent-customer-agreement].</summary>
public sealed record Agreement(
    AgreementContact? PrimaryContact = null, string? TemplateId = null, string? DateAgreed = null, string? Type = null,
    string? AgreementLink = null, string? UserId = null, ResourceAttributes? Attributes = null);

/// <summary>A Product's type (<c>OnlineServicesNCE</c> for licence-based new commerce).</summary>
public sealed record ItemType(string Id, string DisplayName);

/// <summary>A Product [K:get-a-list-of-products].</summary>
public sealed record Product(
    string Id, string Title, string Description, ItemType ProductType, bool IsMicrosoftProduct, string PublisherName,
    ResourceAttributes Attributes);

/// <summary>A Sku.</summary>
public sealed record Sku(
    string Id, string ProductId, string Title, string Description, int MinimumQuantity, int MaximumQuantity, bool IsTrial,
    IReadOnlyList<string> SupportedBillingCycles, ResourceAttributes Attributes);

/// <summary>A term of an Availability.</summary>
public sealed record AvailabilityTerm(string Duration, string Description, string BillingCycle);

/// <summary>An Availability: <c>catalogItemId = "{productId}:{skuId}:{availabilityId}"</c>.</summary>
public sealed record Availability(
    string Id, string ProductId, string SkuId, string CatalogItemId, string Country, string Segment, bool IsPurchasable,
    IReadOnlyList<AvailabilityTerm> Terms, ResourceAttributes Attributes);

/// <summary>A cart line item's error <c>{errorCode (integer), errorDescription}</c> [K:cart-resources].</summary>
public sealed record CartLineItemError(int ErrorCode, string ErrorDescription);

/// <summary>A CartLineItem [K:cart-resources].</summary>
public sealed record CartLineItem(
    int? Id = null, string? CatalogItemId = null, int? Quantity = null, string? BillingCycle = null, string? TermDuration = null,
    IReadOnlyList<KeyValue>? Participants = null, IReadOnlyDictionary<string, string>? ProvisioningContext = null,
    string? CustomTermEndDate = null, string? OrderGroup = null, CartLineItemError? Error = null);

/// <summary>A Cart [K:create-a-cart].</summary>
public sealed record Cart(
    string? Id = null, string? CreationTimestamp = null, string? LastModifiedTimestamp = null,
    string? ExpirationTimestamp = null, string? LastModifiedUser = null, string? Status = null,
    IReadOnlyList<CartLineItem>? LineItems = null, bool? PartnerOnRecordAttestationAccepted = null,
    ResourceAttributes? Attributes = null);

/// <summary>An order error in a checkout result: <c>{orderGroupId, code (int), description}</c> [K:cart-resources].</summary>
public sealed record OrderError(string OrderGroupId, int Code, string Description);

/// <summary>An OrderLineItem.</summary>
public sealed record OrderLineItem(
    int LineItemNumber, string OfferId, string? SubscriptionId, string TermDuration, string TransactionType,
    string FriendlyName, int Quantity, string? PartnerIdOnRecord);

/// <summary>An Order [K:order-resources].</summary>
public sealed record Order(
    string Id, string AlternateId, string ReferenceCustomerId, string BillingCycle, string CurrencyCode,
    IReadOnlyList<OrderLineItem> LineItems, string CreationDate, string Status, string TransactionType,
    ResourceAttributes Attributes);

/// <summary>The checkout answer: <c>CartCheckoutResult{orders, orderErrors}</c> [K:cart-resources].</summary>
public sealed record CartCheckoutResult(IReadOnlyList<Order> Orders, IReadOnlyList<OrderError> OrderErrors, ResourceAttributes Attributes);

/// <summary>Provisioning of a quantity of one line.</summary>
public sealed record QuantityProvisioning(int Quantity, string Status);

/// <summary>One line's provisioning status [K:get-order-provisioning-status].</summary>
public sealed record OrderLineItemProvisioningStatus(
    int OrderLineItemId, int LineItemNumber, string Status, IReadOnlyList<QuantityProvisioning> QuantityProvisioningInformation);

/// <summary>A quantity that may still be returned, and until when.</summary>
public sealed record RefundableQuantityDetail(int Quantity, string AllowedUntilDateTime);

/// <summary>refundableQuantity on an NCE subscription [K:change-the-quantity-of-a-subscription].</summary>
public sealed record RefundableQuantity(int TotalQuantity, IReadOnlyList<RefundableQuantityDetail> Details);

/// <summary>A Subscription [K:subscription-resources]. A PATCH body is meant to be the whole resource.</summary>
public sealed record Subscription(
    string? Id = null, string? OfferId = null, string? OfferName = null, string? FriendlyName = null,
    ItemType? ProductType = null, int? Quantity = null, string? UnitType = null, string? CreationDate = null,
    string? EffectiveStartDate = null, string? CommitmentEndDate = null, string? Status = null, bool? AutoRenewEnabled = null,
    string? BillingType = null, string? BillingCycle = null, string? TermDuration = null,
    RefundableQuantity? RefundableQuantity = null, string? CancellationAllowedUntilDate = null, string? PartnerId = null,
    string? OrderId = null, bool? IsTrial = null, string? ContractType = null, JsonElement? ScheduledNextTermInstructions = null,
    ResourceAttributes? Attributes = null);

/// <summary>A subscription's SupportContact [K:update-a-subscription-s-support-contact].</summary>
public sealed record SupportContact(
    string? SupportTenantId = null, string? SupportMpnId = null, string? Name = null, ResourceAttributes? Attributes = null);

/// <summary>What an audit record of a support-contact change holds: the subscription's id and its contact.</summary>
public sealed record AuditedSupportContact(string Id, SupportContact? SupportContact);

/// <summary>An AuditRecord [K:auditing-resources]: <c>userPrincipalName</c> is the user who acted (null for an App-only
/// call), <c>applicationId</c> the application that performed the operation, <c>resourceOldValue</c> the resource before.</summary>
public sealed record AuditRecord(
    string Id, string PartnerId, string? CustomerId, string? CustomerName, string? UserPrincipalName, string ResourceType,
    string? ResourceNewValue, string OperationType, string OperationDate, string OperationStatus,
    IReadOnlyList<KeyValue> CustomizedData, ResourceAttributes Attributes, string? ApplicationId = null, string? ResourceOldValue = null);

/// <summary>A webhook registration [K:partner-center-webhooks].</summary>
public sealed record WebhookRegistration(string? SubscriberId = null, string? WebhookUrl = null, IReadOnlyList<string>? WebhookEvents = null);

/// <summary>An event as Partner Center posts it to the webhook: <c>{EventName, ResourceUri, ResourceName, AuditUri,
/// ResourceChangeUtcDate}</c>, PascalCase as documented [K:partner-center-webhook-events].</summary>
public sealed record WebhookEvent(
    [property: JsonPropertyName("EventName")] string EventName,
    [property: JsonPropertyName("ResourceUri")] string ResourceUri,
    [property: JsonPropertyName("ResourceName")] string ResourceName,
    [property: JsonPropertyName("AuditUri")] string? AuditUri,
    [property: JsonPropertyName("ResourceChangeUtcDate")] string ResourceChangeUtcDate);

/// <summary>The answer to POST /webhooks/v1/registration/validationEvents: <c>{correlationId}</c> [K:partner-center-webhooks].</summary>
public sealed record ValidationEventAnswer(string CorrelationId);
