using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using Tier2.Functions.Email;

namespace Tier2.Functions.Tests.Email;

public sealed class AcsEmailSenderTests : IAsyncLifetime
{
    private const string Sender = "DoNotReply@tier2.test.example";
    private FakeAcsServer _acs = null!;
    private readonly FastForwardTimeProvider _time = new();

    public async Task InitializeAsync() => _acs = await FakeAcsServer.StartAsync();

    public async Task DisposeAsync() => await _acs.DisposeAsync();

    private static EmailMessage Message(string subject = "You are invited") =>
        new("reseller@fabrikam.example", "Fabrikam Admin", subject, "Hello in plain text", "<p>Hello in HTML</p>") { ReplyTo = "partners@contoso.example" };

    private static EmailOptions Options(Uri endpoint, string? key = FakeAcsServer.AccessKey) => new()
    {
        Provider = EmailProvider.Acs,
        SenderAddress = Sender,
        AcsEndpoint = endpoint,
        AcsAccessKey = key,
        AcsPollInterval = TimeSpan.FromMilliseconds(500),
        AcsMaxPollDuration = TimeSpan.FromSeconds(30),
    };

    private AcsEmailSender Sender_(EmailOptions? options = null, TimeProvider? time = null, TokenCredential? credential = null, HttpPipelineTransport? transport = null) =>
        new(options ?? Options(_acs.Endpoint), time ?? _time, NullLogger<AcsEmailSender>.Instance, credential, transport);

    [Fact]
    public async Task A_request_signed_with_the_access_key_is_accepted_and_the_email_is_sent()
    {
        var result = await Sender_().SendAsync(Message(), "invite-1/task-1", CancellationToken.None);

        Assert.Equal(EmailSendStatus.Succeeded, result.Status);
        Assert.Equal(EmailIdempotency.OperationId("invite-1/task-1").ToString(), result.ProviderMessageId);
        Assert.Single(_acs.Emails);
        var send = _acs.Requests.First();
        Assert.Equal("POST", send.Method);
        Assert.Equal("/emails:send?api-version=2023-03-31", send.Target);
        Assert.StartsWith("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=", send.Authorization, StringComparison.Ordinal);
        Assert.True(Guid.TryParse(send.ClientRequestId, out _), "x-ms-client-request-id is a GUID");
        Assert.All(_acs.Requests, r => Assert.NotEmpty(r.Authorization));
    }

    [Fact]
    public async Task A_wrong_access_key_is_rejected_with_a_clear_exception_that_holds_no_secret()
    {
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        var ex = await Assert.ThrowsAsync<EmailSendException>(() => Sender_(Options(_acs.Endpoint, wrongKey)).SendAsync(Message(), "k-tampered", CancellationToken.None));

        Assert.Equal(401, ex.StatusCode);
        Assert.Equal("Denied", ex.ErrorCode);
        Assert.False(ex.IsTransient);
        Assert.Contains("signature does not match", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Email__AcsAccessKey", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("HMAC-SHA256", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_acs.Emails);
    }

    [Fact]
    public async Task The_content_hash_is_the_sha256_of_the_exact_body_and_the_body_is_what_the_service_expects()
    {
        await Sender_().SendAsync(Message(), "k-body", CancellationToken.None);

        var send = _acs.Requests.First(r => r.Method == "POST");
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(send.Body)), send.ContentHash);
        var poll = _acs.Requests.First(r => r.Method == "GET");
        Assert.Equal(Convert.ToBase64String(SHA256.HashData([])), poll.ContentHash);

        var body = JsonNode.Parse(send.Body)!;
        Assert.Equal(Sender, (string?)body["senderAddress"]);
        Assert.Equal("reseller@fabrikam.example", (string?)body["recipients"]!["to"]![0]!["address"]);
        Assert.Equal("Fabrikam Admin", (string?)body["recipients"]!["to"]![0]!["displayName"]);
        Assert.Equal("You are invited", (string?)body["content"]!["subject"]);
        Assert.Equal("Hello in plain text", (string?)body["content"]!["plainText"]);
        Assert.Equal("<p>Hello in HTML</p>", (string?)body["content"]!["html"]);
        Assert.Equal("partners@contoso.example", (string?)body["replyTo"]![0]!["address"]);
        Assert.True((bool?)body["userEngagementTrackingDisabled"]);
    }

    [Fact]
    public async Task The_operation_is_polled_with_signed_requests_until_it_succeeds_honoring_Retry_After()
    {
        _acs.RunningPolls = 3;
        _acs.PollRetryAfterSeconds = 2;

        var result = await Sender_().SendAsync(Message(), "k-poll", CancellationToken.None);

        Assert.Equal(EmailSendStatus.Succeeded, result.Status);
        var polls = _acs.Requests.Where(r => r.Method == "GET").ToList();
        Assert.Equal(4, polls.Count);
        Assert.All(polls, p => Assert.Equal($"/emails/operations/{result.ProviderMessageId}?api-version=2023-03-31", p.Target));
        Assert.All(polls, p => Assert.StartsWith("HMAC-SHA256 ", p.Authorization, StringComparison.Ordinal));
        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)], _time.Delays);
    }

    [Fact]
    public async Task Without_Retry_After_the_poll_interval_is_used()
    {
        _acs.RunningPolls = 1;
        _acs.PollRetryAfterSeconds = null;

        await Sender_().SendAsync(Message(), "k-interval", CancellationToken.None);

        Assert.Equal([TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500)], _time.Delays);
    }

    [Fact]
    public async Task A_Failed_status_surfaces_the_service_error_code_and_message()
    {
        _acs.FailWith = ("EmailDroppedAllRecipientsSuppressed", "Message dropped because all recipients were suppressed");

        var ex = await Assert.ThrowsAsync<EmailSendException>(() => Sender_().SendAsync(Message(), "k-failed", CancellationToken.None));

        Assert.Equal("EmailDroppedAllRecipientsSuppressed", ex.ErrorCode);
        Assert.Contains("Failed", ex.Message, StringComparison.Ordinal);
        Assert.Contains("all recipients were suppressed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(EmailIdempotency.OperationId("k-failed").ToString(), ex.ProviderMessageId);
        Assert.False(ex.IsTransient);
    }

    [Fact]
    public async Task A_429_with_Retry_After_is_retried_after_the_given_delay()
    {
        _acs.ThrottleSends = 2;
        _acs.ThrottleRetryAfter = "7";
        _acs.PollRetryAfterSeconds = null;
        _acs.RunningPolls = 0;

        var result = await Sender_().SendAsync(Message(), "k-throttled", CancellationToken.None);

        Assert.Equal(EmailSendStatus.Succeeded, result.Status);
        Assert.Equal(3, _acs.Requests.Count(r => r.Method == "POST"));
        Assert.Equal(TimeSpan.FromSeconds(7), _time.Delays.ElementAt(0));
        Assert.Equal(TimeSpan.FromSeconds(7), _time.Delays.ElementAt(1));
        Assert.Single(_acs.Emails);
        var dates = _acs.Requests.Where(r => r.Method == "POST").Select(r => DateTimeOffset.Parse(r.Date, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(dates[1] - dates[0] >= TimeSpan.FromSeconds(6), "each retry is signed again, at its own time");
    }

    [Fact]
    public async Task A_429_retry_really_waits_the_Retry_After_on_the_system_clock()
    {
        _acs.ThrottleSends = 1;
        _acs.ThrottleRetryAfter = "1";
        _acs.PollRetryAfterSeconds = null;
        _acs.RunningPolls = 0;
        var stopwatch = Stopwatch.StartNew();

        await Sender_(time: TimeProvider.System).SendAsync(Message(), "k-real-wait", CancellationToken.None);

        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(950), $"waited {stopwatch.Elapsed}");
        Assert.Single(_acs.Emails);
    }

    [Fact]
    public async Task A_Retry_After_longer_than_the_maximum_fails_as_transient_without_waiting()
    {
        _acs.ThrottleSends = 1;
        _acs.ThrottleRetryAfter = "3600";

        var ex = await Assert.ThrowsAsync<EmailSendException>(() => Sender_().SendAsync(Message(), "k-long-throttle", CancellationToken.None));

        Assert.Equal(429, ex.StatusCode);
        Assert.True(ex.IsTransient);
        Assert.Contains("01:00:00", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_time.Delays);
    }

    [Fact]
    public async Task Throttling_beyond_the_retry_budget_fails_as_transient()
    {
        _acs.ThrottleSends = 100;
        var options = Options(_acs.Endpoint);
        options.AcsMaxRetries = 2;

        var ex = await Assert.ThrowsAsync<EmailSendException>(() => Sender_(options).SendAsync(Message(), "k-budget", CancellationToken.None));

        Assert.Equal(429, ex.StatusCode);
        Assert.Equal("TooManyRequests", ex.ErrorCode);
        Assert.True(ex.IsTransient);
        Assert.Equal(3, _acs.Requests.Count);
    }

    [Fact]
    public async Task The_same_idempotency_key_sends_the_same_Operation_Id_and_creates_one_email()
    {
        var sender = Sender_();

        var first = await sender.SendAsync(Message(), "invite-42/send", CancellationToken.None);
        var second = await sender.SendAsync(Message(), "invite-42/send", CancellationToken.None);
        var other = await sender.SendAsync(Message(), "invite-43/send", CancellationToken.None);

        Assert.Equal(first.ProviderMessageId, second.ProviderMessageId);
        Assert.NotEqual(first.ProviderMessageId, other.ProviderMessageId);
        var operationIds = _acs.Requests.Where(r => r.Method == "POST").Select(r => r.OperationId).ToList();
        Assert.Equal([first.ProviderMessageId, first.ProviderMessageId, other.ProviderMessageId], operationIds);
        Assert.Equal(2, _acs.Emails.Count);
    }

    [Fact]
    public async Task Without_an_access_key_a_Microsoft_Entra_ID_bearer_token_for_the_ACS_scope_is_sent()
    {
        await using var acs = await FakeAcsServer.StartAsync(https: true);
        acs.ExpectedBearerToken = "entra-test-token";
        var credential = new FakeCredential("entra-test-token");
        var thumbprint = acs.Certificate!.Thumbprint;
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == thumbprint };
        var options = Options(acs.Endpoint, key: null);

        var result = await Sender_(options, credential: credential, transport: new HttpClientTransport(handler)).SendAsync(Message(), "k-entra", CancellationToken.None);

        Assert.Equal(EmailSendStatus.Succeeded, result.Status);
        Assert.Equal(["https://communication.azure.com//.default"], credential.Scopes.Distinct());
        Assert.All(acs.Requests, r => Assert.Equal("Bearer entra-test-token", r.Authorization));
        Assert.All(acs.Requests, r => Assert.Empty(r.ContentHash));
        Assert.Single(acs.Emails);
    }

    [Fact]
    public async Task An_operation_still_running_after_the_maximum_poll_duration_is_returned_as_Accepted()
    {
        _acs.RunningPolls = int.MaxValue;
        var options = Options(_acs.Endpoint);
        options.AcsMaxPollDuration = TimeSpan.FromSeconds(10);

        var result = await Sender_(options).SendAsync(Message(), "k-slow", CancellationToken.None);

        Assert.Equal(EmailSendStatus.Accepted, result.Status);
        // About one poll per second of the 10 s budget (Retry-After 1 s), a few more as the last waits are cut to the
        // time left; what matters is that polling stopped at the budget although the operation never finished.
        Assert.InRange(_acs.Requests.Count(r => r.Method == "GET"), 4, 20);
    }

    [Fact]
    public async Task An_invalid_recipient_is_refused_before_anything_is_sent()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Sender_().SendAsync(Message() with { To = "not an address" }, "k-invalid", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => Sender_().SendAsync(Message() with { Subject = "Hi\r\nBcc: x@evil.example" }, "k-invalid", CancellationToken.None));

        Assert.Empty(_acs.Requests);
    }

    [Fact]
    public void Operation_ids_are_stable_version_8_uuids()
    {
        var id = EmailIdempotency.OperationId("instance-1:7");

        Assert.Equal(id, EmailIdempotency.OperationId("instance-1:7"));
        Assert.NotEqual(id, EmailIdempotency.OperationId("instance-1:8"));
        Assert.Equal(8, id.Version);
        Assert.Equal('8', id.ToString()[14]);
    }

    private sealed class FakeCredential(string token) : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (Scopes)
            {
                Scopes.AddRange(requestContext.Scopes);
            }

            return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(GetToken(requestContext, cancellationToken));
    }
}
