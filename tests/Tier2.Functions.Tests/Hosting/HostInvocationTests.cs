using System.Collections.Concurrent;
using System.Text;
using Tier2.Durable.Queues;
using Tier2.Functions.Hosting;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Hosting;

/// <summary>The custom-handler invocation protocol, with the payload shapes the Functions host documents.</summary>
public sealed class HostInvocationTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string UniqueQueue() => "wi-" + Guid.NewGuid().ToString("N")[..16];

    [Fact]
    public async Task A_queue_invocation_with_the_hosts_payload_runs_the_handler_and_answers_the_documented_response()
    {
        var received = new ConcurrentBag<QueueTriggerMessage>();
        await using var app = await TestApp.StartAsync(map: m => m.Queue("WorkItems", UniqueQueue(), (message, _, _) =>
        {
            received.Add(message);
            return Task.CompletedTask;
        }));

        // As the host sends it: the message JSON-quoted inside Data, metadata values as strings.
        var payload = """
        {
          "Data": { "message": "\"{\\\"orderId\\\":42}\"" },
          "Metadata": {
            "DequeueCount": "3",
            "ExpirationTime": "\"2026-12-02T10:00:00+00:00\"",
            "Id": "\"0c4a2f5e-8d6b-4f0a-9b7e-3f2d1c0b9a87\"",
            "InsertionTime": "\"2026-11-25T10:00:00+00:00\"",
            "NextVisibleTime": "\"2026-11-25T10:10:00+00:00\"",
            "PopReceipt": "\"AgAAAAMAAAAAAAAA\"",
            "sys": { "MethodName": "WorkItems", "UtcNow": "2026-11-25T10:00:01Z", "RandGuid": "5b2c0c37-5d2e-4f51-a3b1-8e6a1d8ad7c0" }
          }
        }
        """;
        using var response = await app.Client.PostAsync(new Uri("/WorkItems", UriKind.Relative), Json(payload));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Object, body.RootElement.GetProperty("Outputs").ValueKind);
        Assert.Equal(JsonValueKind.Array, body.RootElement.GetProperty("Logs").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("ReturnValue").ValueKind);

        var message = Assert.Single(received);
        Assert.Equal("{\"orderId\":42}", message.Body);
        Assert.Equal(3, message.DequeueCount);
        Assert.Equal("0c4a2f5e-8d6b-4f0a-9b7e-3f2d1c0b9a87", message.MessageId);
    }

    [Fact]
    public async Task A_queue_invocation_whose_message_is_an_object_passes_its_json_text()
    {
        var received = new ConcurrentBag<string>();
        await using var app = await TestApp.StartAsync(map: m => m.Queue("WorkItems", UniqueQueue(), (message, _, _) =>
        {
            received.Add(message.Body);
            return Task.CompletedTask;
        }));

        using var response = await app.Client.PostAsync(new Uri("/WorkItems", UriKind.Relative), Json("""{"Data":{"message":{"a":1}},"Metadata":{"DequeueCount":1}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"a":1}""", Assert.Single(received));
    }

    [Fact]
    public async Task A_failing_queue_handler_answers_500_so_the_host_retries_and_poisons()
    {
        await using var app = await TestApp.StartAsync(map: m => m.Queue("WorkItems", UniqueQueue(), (_, _, _) => throw new InvalidOperationException("boom")));

        using var response = await app.Client.PostAsync(new Uri("/WorkItems", UriKind.Relative), Json("""{"Data":{"message":"hello"},"Metadata":{"DequeueCount":1}}"""));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("WorkItems failed", body.RootElement.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_timer_invocation_with_the_hosts_payload_runs_the_handler()
    {
        var received = new ConcurrentBag<TimerTriggerInfo>();
        await using var app = await TestApp.StartAsync(map: m => m.Timer("Nightly", "0 0 3 * * *", (timer, _, _) =>
        {
            received.Add(timer);
            return Task.CompletedTask;
        }));

        var payload = """
        {
          "Data": {
            "timer": {
              "Schedule": { "AdjustForDST": true },
              "ScheduleStatus": { "Last": "2026-11-24T03:00:00+00:00", "Next": "2026-11-25T03:00:00+00:00", "LastUpdated": "2026-11-24T03:00:00+00:00" },
              "IsPastDue": true
            }
          },
          "Metadata": { "sys": { "MethodName": "Nightly", "UtcNow": "2026-11-25T03:00:00.01Z", "RandGuid": "bd7a1e0e-1b1f-4a2e-9b0c-2f8f4b3d2a11" } }
        }
        """;
        using var response = await app.Client.PostAsync(new Uri("/Nightly", UriKind.Relative), Json(payload));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(Assert.Single(received).IsPastDue);
    }

    [Fact]
    public async Task A_timer_handler_that_fails_answers_500()
    {
        await using var app = await TestApp.StartAsync(map: m => m.Timer("Nightly", "0 0 3 * * *", (_, _, _) => throw new TimeoutException("slow")));

        using var response = await app.Client.PostAsync(new Uri("/Nightly", UriKind.Relative), Json("""{"Data":{"timer":{"IsPastDue":false}},"Metadata":{}}"""));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task An_invocation_that_is_not_json_answers_400()
    {
        await using var app = await TestApp.StartAsync(map: m => m.Queue("WorkItems", UniqueQueue(), (_, _, _) => Task.CompletedTask));

        using var response = await app.Client.PostAsync(new Uri("/WorkItems", UriKind.Relative), Json("{not json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
