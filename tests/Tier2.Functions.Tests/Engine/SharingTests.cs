using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using static Tier2.Functions.Tests.Engine.EngineFlows;

namespace Tier2.Functions.Tests.Engine;

/// <summary>Two standalone host processes on one storage account and one task hub: DTFx leases the partitions between them.</summary>
[Collection(EngineCollections.Crashes)]
public sealed partial class SharingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_hosts_on_one_task_hub_send_each_of_100_invites_exactly_one_invitation_email()
    {
        // A host that loses a partition while a dequeue of its control queue is in flight cancels that dequeue; the
        // messages it took stay invisible until the queue's visibility timeout (DTFx's ControlQueue.GetMessagesAsync:
        // seen here as an invite started 4.5 minutes late, with host.json's 5 minutes). Partitions move while the
        // second host joins, so the test uses 30 s: every invite still gets exactly one email, the late one within it.
        var settings = EngineBuild.WithShortVisibilityTimeouts(EngineBuild.Settings(EngineBuild.NewPrefix()));

        // Each send is logged (InviteActivities, Information), so each process's share can be read from its log.
        settings["Logging:LogLevel:Tier2.Functions.Invites"] = "Information";
        await using var a = await HostProcess.StartAsync(settings, "a");
        await using var b = await HostProcess.StartAsync(settings, "b");
        var emails = Enumerable.Range(1, 100).Select(i => NewEmail($"share{i}")).ToList();
        var watch = Stopwatch.StartNew();

        // Creates spread over both hosts, a few at a time.
        using var gate = new SemaphoreSlim(4);
        var created = await Task.WhenAll(emails.Select(async (email, i) =>
        {
            await gate.WaitAsync();
            try
            {
                // A client retries a create that timed out, with the same key.
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        return await CreateInviteAsync((i % 2 == 0 ? a : b).Provider, email, idempotencyKey: "share-" + email);
                    }
                    catch (TaskCanceledException) when (attempt < 3)
                    {
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        var refused = created.Select((r, i) => (r, i)).Where(x => x.r.Status != HttpStatusCode.Accepted).ToList();
        Assert.True(refused.Count == 0, "Creates refused: " + string.Join("; ", refused.Take(5).Select(x => $"{emails[x.i]} {(int)x.r.Status} {x.r.Body}")));
        output.WriteLine($"100 invites created in {watch.Elapsed.TotalSeconds:F1}s");

        var counts = await WaitForEmailsAsync(emails, TimeSpan.FromMinutes(3), quiet: TimeSpan.FromSeconds(3), context: () => a.Tail(30) + "\n" + b.Tail(30));
        output.WriteLine($"every address had its email {watch.Elapsed.TotalSeconds:F1}s after the first create");

        var sentByA = SentLine().Count(a.ReadLog());
        var sentByB = SentLine().Count(b.ReadLog());
        output.WriteLine($"invitation emails sent by process a: {sentByA}, by process b: {sentByB}");
        Assert.True(counts.Values.All(n => n == 1), $"Not exactly one invitation per address: {Duplicates(counts)} (sent by a: {sentByA}, by b: {sentByB})");
        Assert.True(a.IsRunning && b.IsRunning, "A host died.\n" + a.Tail() + "\n" + b.Tail());
    }

    [GeneratedRegex("Sent Invitation email for invite")]
    private static partial Regex SentLine();
}
