using Tier2.Functions.Audit;
using Tier2.Functions.CustomerImports;
using Tier2.Functions.Customers;
using Tier2.Functions.Email;
using Tier2.Functions.Hosting;
using Tier2.Functions.Invites;
using Tier2.Functions.Offers;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Orders;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.PartnerCenter.Events;
using Tier2.Functions.Reconciliation;
using Tier2.Functions.Resellers;

namespace Tier2.Functions;

/// <summary>The app's services, one line per feature; both hosts call this (the functions themselves are found by their attributes).</summary>
public static class Tier2App
{
    public static void ConfigureFunctionApp(IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddTier2Hosting();
        builder.Services
            .AddTier2Email(builder.Configuration)
            .AddTier2Orchestrations()
            .AddResellers()
            .AddInvites(builder.Configuration)
            .AddOffers(builder.Configuration)
            .AddCustomers()
            .AddCustomerImports()
            .AddOrders()
            .AddAudit()
            .AddPartnerCenter(builder.Configuration)
            .AddPartnerCenterEvents(builder.Configuration)
            .AddReconciliation(builder.Configuration);
    }
}
