using System.Text.Json.Serialization;
using Tier2.Functions.Customers;

namespace Tier2.Functions.Orders;

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Order))]
[JsonSerializable(typeof(OrderRequest))]
[JsonSerializable(typeof(OrderView))]
[JsonSerializable(typeof(SetupInfo))]
[JsonSerializable(typeof(CustomerDetails))]
[JsonSerializable(typeof(IReadOnlyList<OrderLine>))]
[JsonSerializable(typeof(OnboardingPlan))]
[JsonSerializable(typeof(OnboardingLine))]
[JsonSerializable(typeof(OnboardingStepResult))]
[JsonSerializable(typeof(OnboardingFinish))]
[JsonSerializable(typeof(OnboardingOutcome))]
internal sealed partial class OrdersJsonContext : JsonSerializerContext;
