using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting;
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
        services.AddReconciliationJob<OrchestrationRepairJob>("ReconcileOrchestrations", o => o.OrchestrationRepairSchedule);
        services.AddReconciliationJob<InviteExpiryJob>("ReconcileInvites", o => o.InvitesSchedule);
        services.AddReconciliationJob<RetentionJob>("ReconcileRetention", o => o.RetentionSchedule);
        services.AddReconciliationJob<AssociationsJob>("ReconcileAssociations", o => o.AssociationsSchedule);
        services.AddReconciliationJob<Orders.OrdersRepairJob>("ReconcileOrders", o => o.OrdersSchedule);
        services.AddStorageResource(StorageResourceKind.Table, ReconciliationRunner.RunsTable);
        services.AddStorageResource(StorageResourceKind.BlobContainer, ReconciliationRunner.LeaseContainer);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(ReconciliationJsonContext.Default));
        return services;
    }

    /// <summary>
    /// Declares a job by name and schedule, so the catalog (and package.sh's function.json) never has to build
    /// the job and what it depends on (email, storage) just to learn when it runs.
    /// </summary>
    public static IServiceCollection AddReconciliationJob<TJob>(this IServiceCollection services, string name, Func<ReconciliationOptions, string> schedule)
        where TJob : class, IReconciliationJob
    {
        services.AddSingleton<TJob>();
        services.AddSingleton<IReconciliationJob>(sp => sp.GetRequiredService<TJob>());
        services.AddSingleton(new ReconciliationJobRegistration(name, schedule, typeof(TJob)));
        return services;
    }

    public static void MapReconciliation(this FunctionMap functions)
    {
        var options = functions.Services.GetRequiredService<IOptions<ReconciliationOptions>>();
        foreach (var registration in functions.Services.GetServices<ReconciliationJobRegistration>())
        {
            functions.Timer(registration.Name, registration.Schedule(options.Value), (_, services, ct) =>
                services.GetRequiredService<ReconciliationRunner>().RunAsync((IReconciliationJob)services.GetRequiredService(registration.JobType), options.Value.MaxItemsPerRun, ct));
        }

        functions.Get("ListReconciliationRuns", "reconciliation/runs", ListAsync).RequireAuthorization(Roles.ProviderAdminPolicy).WithTags("Reconciliation")
            .WithSummary("Recorded runs of the reconciliation jobs, newest first, with what each looked at and changed");
        functions.Post("RunReconciliationJob", "reconciliation/jobs/{job}/run", RunAsync).RequireAuthorization(Roles.ProviderAdminPolicy).WithTags("Reconciliation")
            .WithSummary("Run a reconciliation job now (it still runs at most once at a time)");
    }

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
        string job, ReconciliationRunner runner, IEnumerable<ReconciliationJobRegistration> jobs, IServiceProvider services, IOptions<ReconciliationOptions> options, CancellationToken cancellationToken)
    {
        var found = jobs.FirstOrDefault(j => j.Name == job);
        if (found is null)
        {
            return Problem.NotFound($"Reconciliation job '{job}'");
        }

        return TypedResults.Ok(await runner.RunAsync((IReconciliationJob)services.GetRequiredService(found.JobType), options.Value.MaxItemsPerRun, cancellationToken));
    }
}
