using System.Text.Json.Serialization;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>Every type the server reads or writes (System.Text.Json source generation).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(ThrottledError))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(TokenError))]
[JsonSerializable(typeof(ResourceCollection<PartnerRelationship>))]
[JsonSerializable(typeof(PartnerRelationship))]
[JsonSerializable(typeof(AgreementStatus))]
[JsonSerializable(typeof(MpnProfile))]
[JsonSerializable(typeof(Address))]
[JsonSerializable(typeof(AddressValidationResponse))]
[JsonSerializable(typeof(CountryValidationRules))]
[JsonSerializable(typeof(Customer))]
[JsonSerializable(typeof(ResourceCollection<Customer>))]
[JsonSerializable(typeof(RelationshipRequest))]
[JsonSerializable(typeof(ResourceCollection<RelationshipRequest>))]
[JsonSerializable(typeof(ResourceCollection<AgreementMetadata>))]
[JsonSerializable(typeof(Agreement))]
[JsonSerializable(typeof(ResourceCollection<Agreement>))]
[JsonSerializable(typeof(ResourceCollection<Product>))]
[JsonSerializable(typeof(Product))]
[JsonSerializable(typeof(ResourceCollection<Sku>))]
[JsonSerializable(typeof(ResourceCollection<Availability>))]
[JsonSerializable(typeof(Cart))]
[JsonSerializable(typeof(CartCheckoutResult))]
[JsonSerializable(typeof(Order))]
[JsonSerializable(typeof(ResourceCollection<Order>))]
[JsonSerializable(typeof(ResourceCollection<OrderLineItemProvisioningStatus>))]
[JsonSerializable(typeof(Subscription))]
[JsonSerializable(typeof(ResourceCollection<Subscription>))]
[JsonSerializable(typeof(SupportContact))]
[JsonSerializable(typeof(AuditedSupportContact))]
[JsonSerializable(typeof(ResourceCollection<AuditRecord>))]
[JsonSerializable(typeof(WebhookRegistration))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(SeededReseller))]
[JsonSerializable(typeof(FaultSpec))]
[JsonSerializable(typeof(LocalCounts))]
[JsonSerializable(typeof(IReadOnlyList<SeenRequest>))]
[JsonSerializable(typeof(IReadOnlyList<ReceivedPatch>))]
[JsonSerializable(typeof(IssuedRefreshToken))]
[JsonSerializable(typeof(RevokeRefreshTokens))]
[JsonSerializable(typeof(TakenDomain))]
[JsonSerializable(typeof(LocalSettings))]
[JsonSerializable(typeof(LocalEndpoints))]
[JsonSerializable(typeof(CatalogSeed))]
public sealed partial class PartnerCenterJson : JsonSerializerContext;
