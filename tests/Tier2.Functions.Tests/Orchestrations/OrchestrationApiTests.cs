using Tier2.Functions.Auth;
using Tier2.Functions.Invites;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Storage;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Orchestrations;

/// <summary>The management API over a real orchestration (a draft invite's, which waits for an answer).</summary>
public sealed class OrchestrationApiTests : AppTest
{

    private async Task<string> StartWaitingOrchestrationAsync()
    {
        using var created = await Provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative), new { email = $"o-{Guid.NewGuid():N}@fabrikam.example", delivery = "draft" });
        var id = (await created.ReadAsync<InviteView>()).OrchestrationId;
        await Eventually.UntilAsync(() => StatusAsync(id), s => s.Body?.Status == "Running");
        return id;
    }

    /// <summary>The instance's status code and, when it has one (200 or 202), its view.</summary>
    private async Task<(HttpStatusCode Code, OrchestrationView? Body)> StatusAsync(string id)
    {
        using var response = await Provider.GetAsync(new Uri($"/api/orchestrations/{id}", UriKind.Relative));
        return (response.StatusCode, response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted ? await response.ReadAsync<OrchestrationView>() : null);
    }

    [Fact]
    public async Task A_running_orchestration_answers_202_and_a_finished_one_200()
    {
        var id = await StartWaitingOrchestrationAsync();
        var (running, body) = await StatusAsync(id);

        using var terminate = await Provider.PostAsJsonAsync(new Uri($"/api/orchestrations/{id}/terminate", UriKind.Relative), new { reason = "no longer needed" });
        var (finished, done) = await Eventually.UntilAsync(() => StatusAsync(id), s => s.Code == HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.Accepted, running);
        Assert.Equal("PartnershipInvite", body!.Name);
        Assert.Equal("waiting", body.CustomStatus?.GetString());
        Assert.Equal(HttpStatusCode.Accepted, terminate.StatusCode);
        Assert.Equal(HttpStatusCode.OK, finished);
        Assert.Equal("Terminated", done!.Status);
    }

    [Fact]
    public async Task Suspend_and_resume_change_the_status()
    {
        var id = await StartWaitingOrchestrationAsync();

        using var suspend = await Provider.PostAsync(new Uri($"/api/orchestrations/{id}/suspend", UriKind.Relative), null);
        await Eventually.UntilAsync(() => StatusAsync(id), s => s.Body?.Status == "Suspended");
        using var resume = await Provider.PostAsync(new Uri($"/api/orchestrations/{id}/resume", UriKind.Relative), null);
        await Eventually.UntilAsync(() => StatusAsync(id), s => s.Body?.Status == "Running");

        Assert.Equal(HttpStatusCode.Accepted, suspend.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
    }

    [Fact]
    public async Task A_raised_event_reaches_the_orchestration()
    {
        var id = await StartWaitingOrchestrationAsync();

        using var raised = await Provider.PostAsJsonAsync(new Uri($"/api/orchestrations/{id}/events/InviteSignal", UriKind.Relative), new { kind = "Revoked" });
        var (_, done) = await Eventually.UntilAsync(() => StatusAsync(id), s => s.Code == HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
        Assert.Equal("Completed", done!.Status);
        Assert.Equal(InviteStatus.Revoked, done.Output.As<InviteOutcome>().Status);
    }

    [Fact]
    public async Task Unknown_instances_answer_404_and_a_running_one_cannot_be_deleted()
    {
        var id = await StartWaitingOrchestrationAsync();

        using var unknownEvent = await Provider.PostAsJsonAsync(new Uri("/api/orchestrations/nope/events/x", UriKind.Relative), new { });
        using var unknownGet = await Provider.GetAsync(new Uri("/api/orchestrations/nope", UriKind.Relative));
        using var deleteRunning = await Provider.DeleteAsync(new Uri($"/api/orchestrations/{id}", UriKind.Relative));
        using var terminate = await Provider.PostAsJsonAsync(new Uri($"/api/orchestrations/{id}/terminate", UriKind.Relative), new { });
        await Eventually.UntilAsync(() => StatusAsync(id), s => s.Code == HttpStatusCode.OK);
        using var delete = await Provider.DeleteAsync(new Uri($"/api/orchestrations/{id}", UriKind.Relative));
        var (gone, _) = await StatusAsync(id);

        Assert.Equal(HttpStatusCode.NotFound, unknownEvent.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownGet.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, deleteRunning.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone);
    }

    [Fact]
    public async Task The_list_filters_by_status_and_pages_with_a_continuation_token()
    {
        await StartWaitingOrchestrationAsync();
        await StartWaitingOrchestrationAsync();

        var first = await Provider.GetAsync<Page<OrchestrationView>>("/api/orchestrations?status=Running&pageSize=1");
        var token = first.ContinuationToken;
        var second = await Provider.GetAsync<Page<OrchestrationView>>($"/api/orchestrations?status=Running&pageSize=1&continuationToken={Uri.EscapeDataString(token!)}");
        using var badStatus = await Provider.GetAsync(new Uri("/api/orchestrations?status=Sleeping", UriKind.Relative));

        Assert.Single(first.Items);
        Assert.NotEqual(first.Items[0].Id, second.Items[0].Id);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
    }

    [Fact]
    public async Task A_reseller_admin_cannot_manage_orchestrations()
    {
        using var reseller = App.ClientAs(Roles.ResellerAdmin, "r1");
        using var response = await reseller.GetAsync(new Uri("/api/orchestrations", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
