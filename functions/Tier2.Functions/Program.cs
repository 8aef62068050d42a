using Tier2.Functions.Audit;
using Tier2.Functions.Customers;
using Tier2.Functions.Health;
using Tier2.Functions.Email;
using Tier2.Functions.Hosting;
using Tier2.Functions.Invites;
using Tier2.Functions.Offers;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Orders;
using Tier2.Functions.Reconciliation;
using Tier2.Functions.Resellers;

// Composition root: hosting, then one line per feature.
try
{
    if (Cli.IsCommand(args))
    {
        return await Cli.RunAsync(args, Program.BuildApp);
    }

    var app = Program.BuildApp(args);
    // Every setting is checked before anything starts, so the first thing a wrong setting produces is its name.
    app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (HostingSetup.TryReportConfigurationError(ex, Console.Error))
{
    return 1;
}

public partial class Program
{
    public static WebApplication BuildApp(string[] args) => BuildApp(args, configure: null);

    /// <param name="args">Command-line arguments (configuration).</param>
    /// <param name="configure">Extra configuration; tests use it, and then local.settings.json is not read.</param>
    public static WebApplication BuildApp(string[] args, Action<WebApplicationBuilder>? configure)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        if (configure is null)
        {
            builder.Configuration.AddLocalSettings();
        }

        configure?.Invoke(builder);
        builder.AddTier2Hosting();
        builder.Services
            .AddTier2Email(builder.Configuration)
            .AddTier2Durable(builder.Configuration)
            .AddResellers()
            .AddInvites(builder.Configuration)
            .AddOffers(builder.Configuration)
            .AddCustomers()
            .AddOrders()
            .AddAudit()
            .AddReconciliation(builder.Configuration);

        var app = builder.Build();
        var functions = app.UseTier2Hosting();
        functions.MapHealth();
        functions.MapDurableQueues();
        functions.MapOrchestrations();
        functions.MapResellers();
        functions.MapInvitesFeature();
        functions.MapOffers();
        functions.MapCustomersFeature();
        functions.MapOrdersFeature();
        functions.MapAudit();
        functions.MapReconciliation();
        return app;
    }
}
