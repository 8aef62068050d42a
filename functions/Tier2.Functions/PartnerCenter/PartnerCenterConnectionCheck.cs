using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Tier2.Functions.PartnerCenter;

/// <summary>
/// The daily look at the refresh token's lapse date (<c>%PartnerCenter:ConnectionCheckSchedule%</c>): within 14 days
/// of lapsing (or lapsed) it logs a warning and records it on the connection, which
/// <c>GET /api/partner-center/connection</c> shows; otherwise it clears an old warning.
/// </summary>
public sealed partial class PartnerCenterConnectionCheck(IOptions<PartnerCenterOptions> options, PartnerCenterConnectionStore store, TimeProvider time, ILogger<PartnerCenterConnectionCheck> logger)
{
    [Function(nameof(CheckPartnerCenterConnection))]
    public Task CheckPartnerCenterConnection([TimerTrigger("%PartnerCenter:ConnectionCheckSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        RunAsync(cancellationToken);

    /// <summary>The warning recorded, or null when there is nothing to warn about.</summary>
    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.IsEnabled || await store.GetAsync(cancellationToken) is not { } connection)
        {
            return null;
        }

        var warning = PartnerCenterConnectionStatus.WarningFor(connection, time.GetUtcNow());
        if (warning is not null)
        {
            LogLapsing(connection.Account, connection.LapsesAt);
        }

        if (warning != connection.LapseWarning)
        {
            await store.RecordWarningAsync(connection, warning, cancellationToken);
        }

        return warning;
    }

    [LoggerMessage(EventId = 7103, Level = LogLevel.Warning, Message = "Partner Center connection of {Account} lapses at {LapsesAt:O} unless it is used or connected again")]
    private partial void LogLapsing(string account, DateTimeOffset lapsesAt);
}
