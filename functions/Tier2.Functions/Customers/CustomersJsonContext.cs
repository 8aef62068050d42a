using System.Text.Json.Serialization;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;

namespace Tier2.Functions.Customers;

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Customer))]
[JsonSerializable(typeof(CustomerDetails))]
[JsonSerializable(typeof(CustomerReseller))]
[JsonSerializable(typeof(CustomerView))]
[JsonSerializable(typeof(Page<CustomerSummary>))]
[JsonSerializable(typeof(AddCustomerResellerRequest))]
[JsonSerializable(typeof(Subscription))]
[JsonSerializable(typeof(PartnerCenterChange))]
[JsonSerializable(typeof(PartnerCenterSync))]
[JsonSerializable(typeof(Page<Subscription>))]
[JsonSerializable(typeof(CreateSubscriptionRequest))]
[JsonSerializable(typeof(UpdateSubscriptionRequest))]
internal sealed partial class CustomersJsonContext : JsonSerializerContext;
