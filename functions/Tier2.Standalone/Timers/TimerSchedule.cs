using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;
using Microsoft.Extensions.Configuration;
using Tier2.Standalone.Hosting;

namespace Tier2.Standalone.Timers;

/// <summary>
/// A timer function's schedule: a six-field cron expression (with seconds, evaluated in the local time
/// zone like the Functions host) or a constant interval (a TimeSpan such as 00:05:00).
/// </summary>
internal abstract partial class TimerSchedule
{
    /// <summary>The next occurrence strictly after <paramref name="afterUtc"/>.</summary>
    public abstract DateTime NextAfter(DateTime afterUtc);

    /// <summary>
    /// Parses a schedule, first replacing <c>%Name%</c> with the setting's value; a start-up error names
    /// the function and the setting when it is missing or the result does not parse.
    /// </summary>
    public static TimerSchedule Parse(string function, string schedule, IConfiguration configuration)
    {
        string resolved = SettingReference().Replace(schedule, m =>
            configuration[m.Groups[1].Value] is { Length: > 0 } value
                ? value
                : throw new StandaloneStartupException(
                    $"Function '{function}': setting '{m.Groups[1].Value}' (schedule {schedule}) is not set."));

        if (resolved.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6)
        {
            try
            {
                return new Cron(CronExpression.Parse(resolved, CronFormat.IncludeSeconds));
            }
            catch (CronFormatException e)
            {
                throw new StandaloneStartupException($"Function '{function}': schedule '{resolved}' is not a valid cron expression: {e.Message}", e);
            }
        }

        if (TimeSpan.TryParse(resolved, CultureInfo.InvariantCulture, out TimeSpan interval) && interval > TimeSpan.Zero)
        {
            return new Interval(interval);
        }

        throw new StandaloneStartupException(
            $"Function '{function}': schedule '{resolved}' is neither a six-field cron expression (with seconds) nor a TimeSpan.");
    }

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex SettingReference();

    private sealed class Cron(CronExpression expression) : TimerSchedule
    {
        public override DateTime NextAfter(DateTime afterUtc) =>
            expression.GetNextOccurrence(DateTime.SpecifyKind(afterUtc, DateTimeKind.Utc), TimeZoneInfo.Local)
                ?? DateTime.MaxValue;
    }

    private sealed class Interval(TimeSpan interval) : TimerSchedule
    {
        public override DateTime NextAfter(DateTime afterUtc) => afterUtc + interval;
    }
}
