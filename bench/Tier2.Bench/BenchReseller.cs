using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tier2.Functions.Resellers;
using Tier2.Standalone.Hosting;

namespace Tier2.Bench;

/// <summary>A partnered (Active) reseller of a bench run, as the invite flow leaves it.</summary>
public static class BenchReseller
{
    /// <summary>The PartnerID the bench's resellers carry (not the provider's own, which Partner Center refuses as partner of record).</summary>
    public const string MpnId = "7654321";

    /// <summary>
    /// Creates the reseller through the app's own <see cref="ResellerStore"/>: the app's container, built (not started)
    /// in this process on the run's storage and prefix, only for that store. Returns its id.
    /// </summary>
    public static async Task<string> CreateAsync(string connection, string tier2App, string prefix, string hub, Guid tenantId)
    {
        await using var app = StandaloneHost.Build(new StandaloneHostOptions
        {
            AppAssembly = typeof(ResellerStore).Assembly,
            MetadataFolder = tier2App,
            LoadLocalSettings = false,
            ConfigureBeforeApp = b => b.Configuration.AddInMemoryCollection(Tier2AppSettings.Create(connection, prefix, hub).Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value))),
        });
        var store = app.Services.GetRequiredService<ResellerStore>();
        var id = Guid.NewGuid().ToString("N");
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await store.CreateAsync(
                    new Reseller
                    {
                        Id = id,
                        CompanyName = "Bench Reseller",
                        MpnId = MpnId,
                        TenantId = tenantId,
                        ContactName = "Pat Doe",
                        ContactEmail = $"pat@{id[..8]}.example",
                        InvitedEmail = $"partners@{id[..8]}.example",
                        Status = ResellerStatus.PendingActivation,
                        CreatedAt = DateTimeOffset.UtcNow,
                    },
                    "bench",
                    CancellationToken.None);
                await store.ChangeStatusAsync(id, ResellerStatus.PendingActivation, ResellerStatus.Active, "bench", null, CancellationToken.None);
                return id;
            }
            catch (Azure.RequestFailedException e) when (e.Status == 404 && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200); // the host creates its tables in the background as it starts
            }
        }
    }
}
