using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Hosting.OpenApi;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Invites;

/// <summary>Partnership invites (provider-admin): create (send or draft), list, read, resend, revoke.</summary>
public static class InviteEndpoints
{
    public const string CreateRateLimitPolicy = "invites-create";
    private const string ListScope = "invites";
    private const string ItemRoute = "resellers/invites/{id}";

    [Function(nameof(CreateInvite))]
    [HttpHandler(nameof(CreateAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [RateLimited(CreateRateLimitPolicy)]
    [Tags("Invites")]
    [EndpointSummary("Request a partnership: email the reseller a personalized link, or get the draft to send yourself")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    public static IResult CreateInvite([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "resellers/invites")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(ListInvites))]
    [HttpHandler(nameof(ListAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Invites")]
    [EndpointSummary("Partnership invites, filtered by status, newest first")]
    public static IResult ListInvites([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "resellers/invites")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(GetInvite))]
    [HttpHandler(nameof(GetAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Invites")]
    [EndpointSummary("An invite with its delivery and the status of its orchestration")]
    public static IResult GetInvite([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ItemRoute)] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(ResendInvite))]
    [HttpHandler(nameof(ResendAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Invites")]
    [EndpointSummary("Send the invite again with a new link (the old link stops working)")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    [ProducesProblem(StatusCodes.Status412PreconditionFailed)]
    [ProducesProblem(StatusCodes.Status429TooManyRequests)]
    public static IResult ResendInvite([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ItemRoute + "/resend")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(RevokeInvite))]
    [HttpHandler(nameof(RevokeAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Invites")]
    [EndpointSummary("Revoke a pending invite: its link stops working")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    public static IResult RevokeInvite([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ItemRoute + "/revoke")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    private static async Task<Results<Accepted<InviteView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateInviteRequest? request, [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey, InviteStore store, ResellerStore resellers,
        InviteTokens tokens, InviteEmails emails, OrchestrationClient durable, IOptions<InviteOptions> options, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var errors = InviteValidation.Check(request, out var input);
        if (IdempotencyKeys.Check(idempotencyKey) is { } badKey)
        {
            errors[IdempotencyKeys.Header] = [badKey];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        var requestHash = input.RequestHash;
        if (await ReplayAsync(idempotencyKey, requestHash, store, durable, user, cancellationToken) is { } replayed)
        {
            return replayed;
        }

        if (await resellers.FindIdByEmailAsync(input.Email, cancellationToken) is { } resellerId)
        {
            return Problem.Conflict($"{input.Email} already belongs to a partnered reseller.", new Dictionary<string, object?> { ["existingResellerId"] = resellerId });
        }

        var now = time.GetUtcNow();
        var token = InviteTokens.NewToken();
        var invite = Invite.Create(InviteStore.NewId(now), input.Email, input.CompanyName, input.Message, input.Delivery, user.Actor(), now, options.Value, expiry => tokens.Seal(token, expiry));

        // The address is checked inside the create, not before it: a request that lost a race with its own key's
        // first attempt must find that attempt's key (and replay it) before it can see the address taken.
        var created = await store.CreateAsync(invite, InviteTokens.Hash(token), idempotencyKey, requestHash, cancellationToken);
        if (created is null)
        {
            // The address is taken or another create (with this idempotency key) committed first: the key decides.
            if (await ReplayAsync(idempotencyKey, requestHash, store, durable, user, cancellationToken) is { } winner)
            {
                return winner;
            }

            var holder = await store.FindLiveByEmailAsync(input.Email, cancellationToken);
            return holder is null ? Problem.Conflict($"An invite for {input.Email} was created at the same time; list the invites and retry.") : ExistingInvite(holder);
        }

        await StartWorkflowAsync(created, durable, cancellationToken);
        var draft = created.Delivery == InviteDelivery.Draft ? emails.Draft(created, emails.Link(token)) : null;
        return TypedResults.Accepted(Location(created.Id), InviteView.From(created, nameof(OrchestrationRuntimeStatus.Pending), draft));
    }

    /// <summary>
    /// The answer to a create whose <c>Idempotency-Key</c> (of this caller) already made an invite: that invite, its
    /// orchestration started if the first attempt died before starting it; 422 when the key came with another body.
    /// Null when the key made nothing.
    /// </summary>
    private static async Task<Results<Accepted<InviteView>, ValidationProblem, ProblemHttpResult>?> ReplayAsync(
        string? idempotencyKey, string requestHash, InviteStore store, OrchestrationClient durable, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (idempotencyKey is null || await store.FindByIdempotencyKeyAsync(user.Actor(), idempotencyKey, cancellationToken) is not { } earlier)
        {
            return null;
        }

        if (earlier.RequestHash is { } first && first != requestHash)
        {
            return Problem.IdempotencyKeyReused();
        }

        await StartWorkflowAsync(earlier.Invite, durable, cancellationToken);
        return TypedResults.Accepted(Location(earlier.Invite.Id), InviteView.From(earlier.Invite));
    }

    /// <summary>Starts a Pending invite's orchestration unless it exists: the rule that makes "store, then start" crash-safe.</summary>
    internal static async Task StartWorkflowAsync(Invite invite, OrchestrationClient durable, CancellationToken cancellationToken)
    {
        if (invite.Status == InviteStatus.Pending)
        {
            await durable.StartIfMissingAsync(PartnershipInviteOrchestration.Name, invite.InstanceId, invite.WorkflowInput(System.Diagnostics.Activity.Current?.TraceId.ToString()), cancellationToken);
        }
    }

    private static async Task<Results<Ok<Page<InviteView>>, ValidationProblem>> ListAsync(
        InviteStore store, OrchestrationClient durable, [TakesValues(typeof(InviteStatus))] string? status, string? continuationToken, int? pageSize, CancellationToken cancellationToken)
    {
        InviteStatus? parsed = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!Enum.TryParse<InviteStatus>(status, ignoreCase: true, out var s) || !Enum.IsDefined(s))
            {
                return Problem.Field("status", $"Unknown status '{status}'; use one of {string.Join(", ", Enum.GetNames<InviteStatus>())}.");
            }

            parsed = s;
        }

        if (Paging.CheckPageSize(pageSize) is { } badPageSize)
        {
            return badPageSize;
        }

        var scope = $"{ListScope}|{parsed}";
        if (Paging.Decode(scope, continuationToken, out var tableToken) is { } badToken)
        {
            return badToken;
        }

        var page = await store.ListAsync(parsed, Paging.Size(pageSize), tableToken, cancellationToken);
        // Each item says what its orchestration is doing, as the invite's own page does (point reads, in parallel).
        var statuses = await Task.WhenAll(page.Items.Select(i => durable.GetAsync(i.InstanceId, cancellationToken)));
        var views = page.Items.Select((invite, n) => InviteView.From(invite, statuses[n]?.RuntimeStatus.ToString() ?? "NotFound")).ToList();
        return TypedResults.Ok(new Page<InviteView>(views, ContinuationToken.Encode(scope, page.ContinuationToken)));
    }

    private static async Task<Results<Ok<InviteView>, ProblemHttpResult>> GetAsync(string id, InviteStore store, OrchestrationClient durable, CancellationToken cancellationToken)
    {
        var invite = await store.GetAsync(id, cancellationToken);
        if (invite is null)
        {
            return Problem.NotFound($"Invite '{id}'");
        }

        var instance = await durable.GetAsync(invite.InstanceId, cancellationToken);
        return TypedResults.Ok(InviteView.From(invite, instance?.RuntimeStatus.ToString() ?? "NotFound"));
    }

    private static async Task<Results<Ok<InviteView>, ProblemHttpResult>> ResendAsync(
        string id, InviteStore store, InviteTokens tokens, InviteEmails emails, OrchestrationClient durable, IOptions<InviteOptions> options, TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var token = InviteTokens.NewToken();
        Transition<Invite>? decided = null;
        var result = await store.UpdateAsync(id, user.Actor(), "resent", current => decided = current.Resend(now, options.Value, expiry => tokens.Seal(token, expiry)), InviteTokens.Hash(token), cancellationToken);
        if (result.Outcome == ChangeOutcome.NotFound)
        {
            return Problem.NotFound($"Invite '{id}'");
        }

        if (decided is { RetryAfter: { } retryAfter, Refusal: { } wait })
        {
            http.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problem.TooManyRequests(wait);
        }

        if (result.Outcome == ChangeOutcome.InvalidState)
        {
            return Problem.Conflict(result.Reason!);
        }

        if (result.Outcome != ChangeOutcome.Changed)
        {
            return Problem.PreconditionFailed("The invite kept changing while it was resent; try again.");
        }

        var invite = result.Value!;
        if (!await durable.RaiseEventAsync(invite.InstanceId, PartnershipInviteOrchestration.SignalEvent, new InviteSignal(InviteSignalKind.Resent, invite.SealedToken, invite.RemindAt, invite.ExpiresAt, Round: invite.ResendCount + 1), cancellationToken))
        {
            // The invite's orchestration never started (a crash right after the invite was stored) or is gone:
            // a resend starts it afresh, so a Pending invite can always be brought back to life.
            await durable.StartUnlessRunningAsync(PartnershipInviteOrchestration.Name, invite.InstanceId, invite.WorkflowInput(System.Diagnostics.Activity.Current?.TraceId.ToString()), cancellationToken);
        }
        var draft = invite.Delivery == InviteDelivery.Draft ? emails.Draft(invite, emails.Link(token)) : null;
        return TypedResults.Ok(InviteView.From(invite, draft: draft));
    }

    private static async Task<Results<Ok<InviteView>, ProblemHttpResult>> RevokeAsync(
        string id, InviteStore store, OrchestrationClient durable, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var result = await store.UpdateAsync(id, user.Actor(), "revoked", current => current.Revoke(), newTokenHash: null, cancellationToken);
        if (Problem.ForChange(result, $"Invite '{id}'") is { } problem)
        {
            return problem;
        }

        if (result.Outcome == ChangeOutcome.Changed)
        {
            await durable.RaiseEventAsync(result.Value!.InstanceId, PartnershipInviteOrchestration.SignalEvent, new InviteSignal(InviteSignalKind.Revoked), cancellationToken);
        }

        return TypedResults.Ok(InviteView.From(result.Value!));
    }

    private static ProblemHttpResult ExistingInvite(Invite live) =>
        Problem.Conflict($"{live.Email} already has a pending invite ({live.Id}); resend or revoke it instead.", new Dictionary<string, object?> { ["existingInviteId"] = live.Id });

    private static string Location(string id) => ApiPaths.For(ItemRoute, id);
}

public static class InviteValidation
{
    /// <summary>
    /// The create request's input rules: every problem by field, and, when there is none, <paramref name="input"/> as
    /// it will be stored (trimmed, line breaks normalized, delivery by name).
    /// </summary>
    public static Dictionary<string, string[]> Check(CreateInviteRequest? request, out InviteInput input)
    {
        var errors = new Dictionary<string, string[]>();
        var email = request?.Email?.Trim();
        if (string.IsNullOrEmpty(email))
        {
            errors["email"] = ["The reseller's email address is required."];
        }
        else if (!IsEmail(email))
        {
            errors["email"] = [$"'{email}' is not an email address."];
        }

        if (request?.CompanyName is { Length: > 200 })
        {
            errors["companyName"] = ["At most 200 characters."];
        }
        else if (!TextInput.IsSingleLine(request?.CompanyName))
        {
            errors["companyName"] = [TextInput.SingleLineError];
        }

        if (request?.Message is { Length: > 2000 })
        {
            errors["message"] = ["At most 2000 characters."];
        }
        else if (!TextInput.IsMultiLine(request?.Message))
        {
            errors["message"] = [TextInput.MultiLineError];
        }

        InviteDelivery delivery = default;
        if (string.IsNullOrWhiteSpace(request?.Delivery))
        {
            errors["delivery"] = ["Choose \"Email\" (Tier2 sends it) or \"Draft\" (you send it)."];
        }
        else if (Enum.GetNames<InviteDelivery>().FirstOrDefault(n => string.Equals(n, request.Delivery, StringComparison.OrdinalIgnoreCase)) is not { } name)
        {
            // By name only: Enum.TryParse would also take "0" or " email".
            errors["delivery"] = [$"Unknown delivery '{request.Delivery}'; use \"Email\" or \"Draft\"."];
        }
        else
        {
            delivery = Enum.Parse<InviteDelivery>(name);
        }

        input = new InviteInput(
            email ?? string.Empty,
            string.IsNullOrWhiteSpace(request?.CompanyName) ? null : request.CompanyName.Trim(),
            string.IsNullOrWhiteSpace(request?.Message) ? null : TextInput.NormalizeLineBreaks(request.Message.Trim()),
            delivery,
            // The body as sent (trimmed), the address in lower case: what an Idempotency-Key is stored with.
            InviteStore.RequestHash(email?.ToLowerInvariant(), request?.CompanyName?.Trim(), request?.Message?.Trim(), delivery.ToString()));
        return errors;
    }

    public static bool IsEmail(string value) =>
        value.Length <= 254 && TextInput.IsSingleLine(value) && System.Net.Mail.MailAddress.TryCreate(value, out var parsed) && string.Equals(parsed.Address, value, StringComparison.OrdinalIgnoreCase) && value.Contains('.', StringComparison.Ordinal);
}

/// <summary>A create request's input, checked, and the hash that identifies the request for its <c>Idempotency-Key</c>.</summary>
public sealed record InviteInput(string Email, string? CompanyName, string? Message, InviteDelivery Delivery, string RequestHash);
