using Microsoft.Extensions.Configuration;
using Tier2.LocalPartnerCenter;

// dotnet Tier2.LocalPartnerCenter.dll --urls http://127.0.0.1:PORT [--LocalPartnerCenter:ClientId=…]
// Options come from the LocalPartnerCenter section: command line (--LocalPartnerCenter:ProvisioningDelay=00:00:02) or
// environment (LocalPartnerCenter__ClientSecret=…); every property of LocalPartnerCenterOptions except TimeProvider.
IConfiguration configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
LocalPartnerCenterOptions options = new();
configuration.GetSection("LocalPartnerCenter").Bind(options);

WebApplication app = LocalPartnerCenterApp.Build(options, args, builder => builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss ";
}));
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(
    $"local Partner Center on {string.Join(", ", app.Urls)} (tenant {options.ProviderTenantId}, client {options.ClientId}); admin API under /_local/"));
await app.RunAsync();
