using Cronos;

namespace Tier2.Functions.Hosting;

/// <summary>Six-field NCRONTAB schedules ("{second} {minute} {hour} {day} {month} {day-of-week}"), as in function.json.</summary>
public static class CronSchedule
{
    public static CronExpression Parse(string schedule, string owner)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var fields = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 6)
        {
            throw new FormatException($"Schedule '{schedule}' of {owner} must have six fields (seconds first), as the Functions host expects.");
        }

        try
        {
            return CronExpression.Parse(schedule, CronFormat.IncludeSeconds);
        }
        catch (CronFormatException ex)
        {
            throw new FormatException($"Schedule '{schedule}' of {owner} is not a valid cron expression: {ex.Message}", ex);
        }
    }
}
