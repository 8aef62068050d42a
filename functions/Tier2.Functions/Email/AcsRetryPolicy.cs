using System.Globalization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Tier2.Functions.Email;

/// <summary>
/// Tries a request again after 429, 500, 502, 503, 504 or a network failure, waiting what the service asks
/// (<c>retry-after-ms</c>, <c>x-ms-retry-after-ms</c>, <c>Retry-After</c> in seconds or as a date) or else an
/// exponential backoff; waits go through <see cref="TimeProvider"/>. A Retry-After longer than
/// <paramref name="maxDelay"/> is not waited: the answer goes back to the caller as is.
/// Sends carry an <c>Operation-Id</c>, so trying a POST again cannot send a second email.
/// </summary>
internal sealed class AcsRetryPolicy(int maxRetries, TimeSpan maxDelay, TimeProvider time) : HttpPipelinePolicy
{
    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(800);

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) => ProcessAsync(message, pipeline, async: true);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) => ProcessAsync(message, pipeline, async: false).AsTask().GetAwaiter().GetResult();

    private async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
    {
        for (var attempt = 0; ; attempt++)
        {
            TimeSpan delay;
            try
            {
                if (async)
                {
                    await ProcessNextAsync(message, pipeline);
                }
                else
                {
                    ProcessNext(message, pipeline);
                }

                if (!IsRetriable(message.Response.Status) || attempt >= maxRetries)
                {
                    return;
                }

                delay = ServerDelay(message.Response) ?? Backoff(attempt);
                if (delay > maxDelay)
                {
                    return;
                }

                message.Response.ContentStream?.Dispose();
            }
            catch (Exception ex) when (attempt < maxRetries && IsTransientFailure(ex, message.CancellationToken))
            {
                delay = Backoff(attempt);
            }

            if (delay > TimeSpan.Zero)
            {
                var wait = Task.Delay(delay, time, message.CancellationToken);
                if (async)
                {
                    await wait;
                }
                else
                {
                    wait.GetAwaiter().GetResult();
                }
            }
        }
    }

    internal static bool IsRetriable(int status) => status is 429 or 500 or 502 or 503 or 504;

    private static bool IsTransientFailure(Exception ex, CancellationToken ct) => ex switch
    {
        RequestFailedException { Status: 0 } => true,
        IOException => true,
        OperationCanceledException => !ct.IsCancellationRequested, // the per-try network timeout
        _ => false,
    };

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 6)));

    /// <summary>The wait the service asked for, if it did.</summary>
    internal TimeSpan? ServerDelay(Response response) => ServerDelay(response, time);

    internal static TimeSpan? ServerDelay(Response response, TimeProvider time)
    {
        foreach (var name in (string[])["retry-after-ms", "x-ms-retry-after-ms"])
        {
            if (response.Headers.TryGetValue(name, out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
            {
                return TimeSpan.FromMilliseconds(millis);
            }
        }

        if (response.Headers.TryGetValue("Retry-After", out var value))
        {
            if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                var wait = at - time.GetUtcNow();
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return null;
    }
}
