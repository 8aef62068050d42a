using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Tier2.Standalone.SampleApp;

FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
SampleAppSetup.ConfigureFunctionApp(builder);
builder.Build().Run();
