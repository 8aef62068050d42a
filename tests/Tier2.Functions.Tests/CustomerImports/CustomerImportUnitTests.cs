using Tier2.Functions.CustomerImports;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Tests.Orders;

namespace Tier2.Functions.Tests.CustomerImports;

/// <summary>The import's own rules: its orchestrator (on a mocked context), its transitions, and reading the relationship request answer.</summary>
public sealed class CustomerImportUnitTests
{
    private static readonly CustomerImportTarget Target = new("r1", "i1", "provider-admin:pat");
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_orchestrator_runs_the_import_with_retries_then_records_its_counts()
    {
        var counts = new CustomerImportResult(new CustomerImportCounts(3, 1, 2, 0, 0), []);
        var context = Context().OnActivity(CustomerImportOrchestration.Import.Name, _ => counts);

        var result = await CustomerImportOrchestration.RunOrchestrator(context.Object);

        Assert.Equal(counts, result);
        Assert.Equal([CustomerImportOrchestration.Import.Name, CustomerImportOrchestration.Finish.Name], context.CallNames);
        Assert.Equal(5, context.Calls[0].Options?.Retry?.Policy?.MaxNumberOfAttempts);
        Assert.Equal(new CustomerImportEnd(Target, counts, null), context.Calls[1].Input);
    }

    [Fact]
    public async Task The_orchestrator_records_a_failed_import_with_the_reason_after_the_last_retry()
    {
        var context = Context().OnActivity(CustomerImportOrchestration.Import.Name, _ =>
            throw FakeOrchestrationContext.Failure<PartnerCenterException>(CustomerImportOrchestration.Import.Name, "Partner Center did not answer GET /v1/customers."));

        var result = await CustomerImportOrchestration.RunOrchestrator(context.Object);

        Assert.Null(result);
        var end = (CustomerImportEnd)Assert.Single(context.Calls, c => c.Name == CustomerImportOrchestration.Finish.Name).Input!;
        Assert.Null(end.Result);
        Assert.Contains("did not answer GET /v1/customers", end.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_start_while_an_import_runs_is_that_import_and_one_after_it_ended_is_a_new_one()
    {
        var running = CustomerImport.Start(null, "r1", "i1", "a", Now).Next!;
        Assert.Equal(CustomerImportStatus.Running, running.Status);

        Assert.False(CustomerImport.Start(running, "r1", "i2", "a", Now).Moved);
        var completed = running.Complete("i1", CustomerImportCounts.None, [], Now).Next!;
        Assert.Equal("i2", CustomerImport.Start(completed, "r1", "i2", "a", Now).Next!.ImportId);
    }

    [Fact]
    public void An_import_ends_once_and_only_as_the_latest()
    {
        var running = CustomerImport.Start(null, "r1", "i1", "a", Now).Next!;
        var failed = running.Fail("i1", "Partner Center is down.", Now).Next!;

        Assert.Equal(CustomerImportStatus.Failed, failed.Status);
        Assert.True(failed.Complete("i1", CustomerImportCounts.None, [], Now).Refused);
        Assert.False(failed.Fail("i1", "again", Now).Moved || failed.Fail("i1", "again", Now).Refused);
        Assert.True(running.Complete("i0", CustomerImportCounts.None, [], Now).Refused);
    }

    [Theory]
    [InlineData("""{"url":"https://admin.microsoft.com/x?a=1","attributes":{"objectType":"RelationshipRequest"}}""", RelationshipRequestShape.Documented, "https://admin.microsoft.com/x?a=1")]
    [InlineData("""{"totalCount":1,"items":[{"url":"https://admin.microsoft.com/y","attributes":{"objectType":"RelationshipRequest"}}],"attributes":{"objectType":"Collection"}}""", RelationshipRequestShape.Collection, "https://admin.microsoft.com/y")]
    [InlineData("""{"Url":"https://admin.microsoft.com/z"}""", RelationshipRequestShape.Documented, "https://admin.microsoft.com/z")]
    [InlineData("""{"items":[]}""", RelationshipRequestShape.NotUnderstood, null)]
    [InlineData("""{"url":"javascript:alert(1)"}""", RelationshipRequestShape.NotUnderstood, null)]
    [InlineData("""["https://admin.microsoft.com/w"]""", RelationshipRequestShape.NotUnderstood, null)]
    public void A_relationship_request_answer_is_read_in_either_shape_and_kept_as_it_came(string json, RelationshipRequestShape shape, string? url)
    {
        using var document = JsonDocument.Parse(json);

        var answer = RelationshipRequestAnswer.Read(document.RootElement);

        Assert.Equal((shape, url), (answer.Shape, answer.Url));
        Assert.Equal(json, answer.Raw);
    }

    private static FakeOrchestrationContext Context() =>
        new FakeOrchestrationContext(Target, CustomerImportOrchestration.InstanceId("r1", "i1"), Now.UtcDateTime)
            .WithInputType<CustomerImportTarget>()
            .WithResultType<CustomerImportResult>()
            .WithResultType<bool>()
            .OnActivity(CustomerImportOrchestration.Finish.Name, _ => true);
}
