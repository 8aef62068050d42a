using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Reconciliation;

/// <summary>Timer functions that repair or report drift, one per job, and the list of their runs.</summary>
public static class ReconciliationFeature
{
    public static IServiceCollection AddReconciliation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReconciliationOptions>().Bind(configuration.GetSection(ReconciliationOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReconciliationOptions>, ReconciliationOptionsValidator>();
        services.AddSingleton<ReconciliationRunner>();
        services.AddReconciliationJob<OrchestrationRepairJob>(nameof(ReconciliationTimers.ReconcileOrchestrations));
        services.AddReconciliationJob<InvitesRepairJob>(nameof(ReconciliationTimers.ReconcileInvites));
        services.AddReconciliationJob<RetentionJob>(nameof(ReconciliationTimers.ReconcileRetention));
        services.AddTransient<PartnerCenterDriftCheck>();
        services.AddReconciliationJob<AssociationsJob>(nameof(ReconciliationTimers.ReconcileAssociations));
        services.AddReconciliationJob<Orders.OrdersRepairJob>(nameof(ReconciliationTimers.ReconcileOrders));
        services.AddReconciliationJob<Resellers.PartnerCenterResellerSync>(nameof(ReconciliationTimers.SyncPartnerCenterResellers));
        services.AddReconciliationJob<Offers.OfferCatalogSync>(nameof(ReconciliationTimers.SyncOfferCatalog));
        services.AddStorageResource(StorageResourceKind.Table, ReconciliationRunner.RunsTable);
        services.AddStorageResource(StorageResourceKind.BlobContainer, ReconciliationRunner.LeaseContainer);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(ReconciliationJsonContext.Default));
        return services;
    }

    /// <summary>Declares a job by its timer function's name.</summary>
    public static IServiceCollection AddReconciliationJob<TJob>(this IServiceCollection services, string name)
        where TJob : class, IReconciliationJob
    {
        services.AddSingleton<TJob>();
        services.AddSingleton<IReconciliationJob>(sp => sp.GetRequiredService<TJob>());
        services.AddSingleton(new ReconciliationJobRegistration(name, typeof(TJob)));
        return services;
    }

    [Function(nameof(ListReconciliationRuns))]
    [HttpHandler(nameof(ListAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Reconciliation")]
    [EndpointSummary("Recorded runs of the reconciliation jobs, newest first, with what each looked at and changed")]
    public static IResult ListReconciliationRuns([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reconciliation/runs")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(RunReconciliationJob))]
    [HttpHandler(nameof(RunAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Reconciliation")]
    [EndpointSummary("Run a reconciliation job now (it still runs at most once at a time)")]
    public static IResult RunReconciliationJob([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "reconciliation/jobs/{job}/run")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    private static async Task<Results<Ok<Page<ReconciliationRun>>, ValidationProblem>> ListAsync(
        string? job, string? continuationToken, int? pageSize, ReconciliationRunner runner, IEnumerable<ReconciliationJobRegistration> jobs, CancellationToken cancellationToken)
    {
        if (job is not null && !jobs.Any(j => j.Name == job))
        {
            return Problem.Field("job", $"Unknown job '{job}'; use one of {string.Join(", ", jobs.Select(j => j.Name))}.");
        }

        if (Paging.CheckPageSize(pageSize) is { } badPageSize)
        {
            return badPageSize;
        }

        var scope = "reconciliation|" + job;
        if (Paging.Decode(scope, continuationToken, out var inner) is { } badToken)
        {
            return badToken;
        }

        var page = await runner.ListAsync(job, Paging.Size(pageSize), inner, cancellationToken);
        return TypedResults.Ok(page with { ContinuationToken = ContinuationToken.Encode(scope, page.ContinuationToken) });
    }

    private static async Task<Results<Ok<ReconciliationRun>, ProblemHttpResult>> RunAsync(
        string job, ReconciliationRunner runner, IEnumerable<ReconciliationJobRegistration> jobs, IServiceProvider services, IOptions<ReconciliationOptions> options, OrchestrationClient durable, CancellationToken cancellationToken)
    {
        var found = jobs.FirstOrDefault(j => j.Name == job);
        if (found is null)
        {
            return Problem.NotFound($"Reconciliation job '{job}'");
        }

        return TypedResults.Ok(await runner.RunAsync((IReconciliationJob)services.GetRequiredService(found.JobType), options.Value.MaxItemsPerRun, durable, cancellationToken));
    }
}
