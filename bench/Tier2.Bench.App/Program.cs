using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Tier2.Bench.App;

// Under the Functions host; the benchmark runs it on the standalone host, which calls BenchAppSetup.ConfigureFunctionApp.
FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
BenchAppSetup.ConfigureFunctionApp(builder);
builder.Build().Run();
