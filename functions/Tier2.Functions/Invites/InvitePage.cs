using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Invites.Page;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Invites;

/// <summary>
/// The invite landing page a reseller opens from the email: server-rendered HTML that works without JavaScript,
/// with anti-forgery on the form, no referrer, and a CSP that allows nothing but its own nonce'd styles.
/// Unknown, used, expired and revoked links all get the same "no longer valid" page.
/// </summary>
public static partial class InvitePage
{
    /// <summary>The page's path segment under the route prefix: its route, its links, its cookie's path and the log redaction of its token derive from it.</summary>
    public const string PathSegment = "invite";

    public const string Route = PathSegment + "/{token}";

    /// <summary>Whether <paramref name="path"/> is an invite link (its last segment is a secret); <paramref name="template"/> is the path to log instead.</summary>
    public static bool IsInvitePath(PathString path, out string template)
    {
        var value = path.Value ?? string.Empty;
        var at = value.LastIndexOf("/" + PathSegment + "/", StringComparison.OrdinalIgnoreCase);
        template = at < 0 ? value : value[..at] + "/" + Route;
        return at >= 0;
    }

    /// <summary>An invite link's path under the route prefix (the token is base64url: nothing to escape).</summary>
    public static string LinkPath(string token) => PathSegment + "/" + token;

    [Function(nameof(ShowInvitePage))]
    [HttpHandler(nameof(ShowAsync))]
    [AllowAnonymous]
    [ExcludeFromDescription]
    public static IResult ShowInvitePage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(RespondToInvitePage))]
    [HttpHandler(nameof(RespondAsync))]
    [AllowAnonymous]
    [ExcludeFromDescription]
    public static IResult RespondToInvitePage([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    private static async Task<IResult> ShowAsync(string token, HttpContext http, InviteStore store, IAntiforgery antiforgery, IOptions<AppOptions> app, TimeProvider time, CancellationToken cancellationToken)
    {
        var invite = await store.FindByTokenAsync(token, cancellationToken);
        if (invite is null || !invite.IsLive(time.GetUtcNow()))
        {
            return NoLongerValid(http);
        }

        var form = new AcceptForm(invite.CompanyName ?? string.Empty, string.Empty, string.Empty, string.Empty, invite.Email);
        return Html(http, StatusCodes.Status200OK, FormPage(app.Value, invite, form, errors: null, antiforgery.GetAndStoreTokens(http)));
    }

    private static async Task<IResult> RespondAsync(
        string token,
        HttpContext http,
        InviteStore store,
        ResellerStore resellers,
        OrchestrationClient durable,
        IAntiforgery antiforgery,
        IOptions<AppOptions> app,
        IOptions<PartnerCenter.PartnerCenterOptions> partnerCenter,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!http.Request.HasFormContentType)
        {
            return NoLongerValid(http);
        }

        IFormCollection fields;
        try
        {
            // Read once, here: a form the reader refuses (malformed, or a multipart body cut short: IOException) is
            // the page's answer, not a 500 nor an "expired" form.
            fields = await http.Request.ReadFormAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return Html(http, StatusCodes.Status400BadRequest, MessagePage(app.Value, "This form could not be read", "Please open the link from your email again and resubmit.", null));
        }

        try
        {
            await antiforgery.ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            return Html(http, StatusCodes.Status400BadRequest, MessagePage(app.Value, "This form has expired", "Please open the link from your email again and resubmit.", null));
        }

        var invite = await store.FindByTokenAsync(token, cancellationToken);
        var now = time.GetUtcNow();
        if (invite is null || !invite.IsLive(now))
        {
            return NoLongerValid(http);
        }

        return fields["action"].ToString() == "decline"
            ? await DeclineAsync(invite, now, http, store, durable, app.Value, cancellationToken)
            : await AcceptAsync(invite, AcceptForm.Read(fields), now, http, store, resellers, durable, antiforgery, app.Value, partnerCenter.Value.IsEnabled, cancellationToken);
    }

    private static async Task<IResult> DeclineAsync(Invite invite, DateTimeOffset now, HttpContext http, InviteStore store, OrchestrationClient durable, AppOptions app, CancellationToken cancellationToken)
    {
        var declined = await store.UpdateAsync(invite.Id, $"reseller:{invite.Email}", "declined", current => current.Decline(invite.TokenHash, now), newTokenHash: null, cancellationToken);
        if (declined.Outcome != ChangeOutcome.Changed && declined.Value?.Status != InviteStatus.Declined)
        {
            return NoLongerValid(http);
        }

        await SignalAsync(durable, invite.InstanceId, new InviteSignal(InviteSignalKind.Declined), cancellationToken);
        return Html(http, StatusCodes.Status200OK, MessagePage(app, "Invitation declined", $"You declined the partnership request from {app.ProviderName}. Nothing else will happen, and this link no longer works.", null));
    }

    private static async Task<IResult> AcceptAsync(
        Invite invite, AcceptForm form, DateTimeOffset now, HttpContext http, InviteStore store, ResellerStore resellers, OrchestrationClient durable, IAntiforgery antiforgery, AppOptions app, bool partnerCenterEnabled, CancellationToken cancellationToken)
    {
        var errors = Validate(form, app);
        if (errors.Count == 0 && await resellers.FindIdByMpnAsync(form.MpnId, cancellationToken) is { } holder && holder != invite.ResellerId)
        {
            errors["mpnId"] = MpnTaken(form.MpnId, app);
        }

        if (errors.Count > 0)
        {
            return Html(http, StatusCodes.Status422UnprocessableEntity, FormPage(app, invite, form, errors, antiforgery.GetAndStoreTokens(http)));
        }

        // The reseller first (idempotent on the id reserved by the invite; the MPN ID is claimed atomically),
        // then the token is consumed: a double submit finds the reseller already there and creates no second one.
        var created = await resellers.CreateAsync(
            Reseller.Accepted(invite.ResellerId, form.CompanyName, form.MpnId, Guid.Parse(form.TenantId), form.ContactName, form.ContactEmail, invite.Email, invite.Id, now),
            $"reseller:{invite.Email}",
            cancellationToken);
        if (created.MpnTakenBy is not null)
        {
            errors["mpnId"] = MpnTaken(form.MpnId, app);
            return Html(http, StatusCodes.Status422UnprocessableEntity, FormPage(app, invite, form, errors, antiforgery.GetAndStoreTokens(http)));
        }

        if (!created.Created && !SameAcceptance(created.Reseller, form))
        {
            // Another submit of this link was first with other details: this one saved nothing, so it must not
            // confirm anything (a repeat of the very same details may still be told it went through).
            return NoLongerValid(http);
        }

        var accepted = await store.UpdateAsync(invite.Id, $"reseller:{invite.Email}", "accepted", current => current.Accept(invite.TokenHash, now), newTokenHash: null, cancellationToken);
        if (accepted.Outcome != ChangeOutcome.Changed && accepted.Value?.Status != InviteStatus.Accepted)
        {
            // The invite was revoked, resent or expired meanwhile: the reseller just created must not keep the
            // MPN ID and the address.
            if (created.Created)
            {
                await resellers.DiscardPendingAsync(invite.ResellerId, invite.Id, $"reseller:{invite.Email}", cancellationToken);
            }

            return NoLongerValid(http);
        }

        if (accepted.Outcome == ChangeOutcome.Changed)
        {
            await SignalAsync(durable, invite.InstanceId, new InviteSignal(InviteSignalKind.Accepted), cancellationToken);
        }

        // With Partner Center, the partnership is active once Partner Center lists the reseller: the email that follows says whether it does.
        return Html(http, StatusCodes.Status200OK, partnerCenterEnabled
            ? MessagePage(app, "Partnership accepted",
                $"Thank you. {app.ProviderName} now looks for {form.CompanyName} (PartnerID {form.MpnId}) in Partner Center. An email to {form.ContactEmail} says when the partnership is active, or what is left to do.",
                $"Orders can be placed for you once Partner Center lists you as {app.ProviderName}'s indirect reseller with the Microsoft Partner Agreement signed. If you have not yet: in Partner Center, accept {app.ProviderName}'s indirect reseller request, and sign the Microsoft Partner Agreement.")
            : MessagePage(app, "Partnership accepted",
                $"Thank you. {form.CompanyName} is now an indirect reseller partner of {app.ProviderName}. A welcome email is on its way to {form.ContactEmail}.",
                "You can now be given customers and subscriptions to manage, and be associated with subscriptions for incentives."));
    }

    private static async Task SignalAsync(OrchestrationClient durable, string instanceId, InviteSignal signal, CancellationToken cancellationToken) =>
        await durable.RaiseEventAsync(instanceId, PartnershipInviteOrchestration.SignalEvent, signal, cancellationToken);

    private static string MpnTaken(string mpnId, AppOptions app) =>
        $"PartnerID {mpnId} is already partnered with {app.ProviderName}. If this is your company, contact {app.ProviderEmail}.";

    private static bool SameAcceptance(Reseller? stored, AcceptForm form) =>
        stored is not null
        && string.Equals(stored.CompanyName, form.CompanyName, StringComparison.Ordinal)
        && string.Equals(stored.MpnId, form.MpnId, StringComparison.Ordinal)
        && Guid.TryParse(form.TenantId, out var tenant) && stored.TenantId == tenant
        && string.Equals(stored.ContactName, form.ContactName, StringComparison.Ordinal)
        && string.Equals(stored.ContactEmail, form.ContactEmail, StringComparison.Ordinal);

    /// <summary>What the reseller typed, as typed (trimmed), to validate and to show again with the errors.</summary>
    private sealed record AcceptForm(string CompanyName, string MpnId, string TenantId, string ContactName, string ContactEmail)
    {
        public static AcceptForm Read(IFormCollection fields) => new(
            fields["companyName"].ToString().Trim(),
            fields["mpnId"].ToString().Trim(),
            fields["tenantId"].ToString().Trim(),
            fields["contactName"].ToString().Trim(),
            fields["contactEmail"].ToString().Trim());
    }

    private static Dictionary<string, string> Validate(AcceptForm form, AppOptions app)
    {
        var errors = new Dictionary<string, string>();
        if (form.CompanyName.Length is 0 or > 200)
        {
            errors["companyName"] = "Enter your company name (at most 200 characters).";
        }
        else if (!TextInput.IsSingleLine(form.CompanyName))
        {
            errors["companyName"] = "Enter your company name on one line, in visible characters: no line breaks, control, invisible or direction-changing characters.";
        }

        if (form.MpnId.Length is 0 or > 10 || !form.MpnId.All(char.IsAsciiDigit))
        {
            errors["mpnId"] = "Enter your PartnerID (MPN ID): 1 to 10 digits.";
        }
        else if (form.MpnId == app.ProviderMpnId)
        {
            errors["mpnId"] = "This is the provider's own PartnerID; enter yours.";
        }

        if (!Guid.TryParse(form.TenantId, out var tenant) || tenant == Guid.Empty)
        {
            errors["tenantId"] = "Enter your Microsoft Entra tenant ID, a GUID such as 00000000-0000-0000-0000-000000000000.";
        }

        if (form.ContactName.Length is 0 or > 200)
        {
            errors["contactName"] = "Enter a contact name (at most 200 characters).";
        }
        else if (!TextInput.IsSingleLine(form.ContactName))
        {
            errors["contactName"] = "Enter a contact name on one line, in visible characters: no line breaks, control, invisible or direction-changing characters.";
        }

        if (!InviteValidation.IsEmail(form.ContactEmail))
        {
            errors["contactEmail"] = "Enter a contact email address, such as name@example.com.";
        }

        return errors;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult NoLongerValid(HttpContext http) =>
        Html(http, StatusCodes.Status410Gone, MessagePage(http.RequestServices.GetRequiredService<IOptions<AppOptions>>().Value,
            "This invitation is no longer valid",
            "The link may have been used already, replaced by a newer invitation, revoked, or it has expired. Ask the provider to send you a new invitation.",
            null));

    /// <summary>A page: its body inside the layout, with a fresh style nonce that the CSP names.</summary>
    private sealed record PageContent(string Title, AppOptions App, RenderedHtml Body);

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Html(HttpContext http, int status, PageContent page)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = $"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-store";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        var html = PageTemplate.Render("Layout", new Dictionary<string, object?>
        {
            ["title"] = page.Title,
            ["providerName"] = page.App.ProviderName,
            ["nonce"] = nonce,
            ["body"] = page.Body,
        });
        return TypedResults.Text(html.Html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private static PageContent MessagePage(AppOptions app, string title, string text, string? more) =>
        new(title, app, PageTemplate.Render("Message", new Dictionary<string, object?> { ["title"] = title, ["text"] = text, ["more"] = more }));

    private static PageContent FormPage(AppOptions app, Invite invite, AcceptForm form, Dictionary<string, string>? errors, AntiforgeryTokenSet antiforgeryTokens) =>
        new("Partnership invitation", app, PageTemplate.Render("Form", new Dictionary<string, object?>
        {
            ["providerName"] = app.ProviderName,
            ["email"] = invite.Email,
            ["companyName"] = invite.CompanyName,
            ["message"] = invite.Message,
            ["expiresOn"] = invite.ExpiresAt.ToString("d MMMM yyyy", CultureInfo.InvariantCulture),
            ["errorSummary"] = errors is { Count: > 0 },
            ["errors"] = (errors ?? []).Select(e => new Dictionary<string, object?> { ["field"] = e.Key, ["text"] = e.Value }).ToList(),
            ["antiforgeryField"] = antiforgeryTokens.FormFieldName,
            ["antiforgeryToken"] = antiforgeryTokens.RequestToken,
            ["fields"] = new List<Dictionary<string, object?>>
            {
                Field("companyName", "Company name", null, form.CompanyName, "text", "organization", errors),
                Field("mpnId", "PartnerID (MPN ID)", "Digits only, as shown in Partner Center.", form.MpnId, "text", "off", errors, numeric: true),
                Field("tenantId", "Microsoft Entra tenant ID", "A GUID, for example 72f988bf-86f1-41af-91ab-2d7cd011db47.", form.TenantId, "text", "off", errors, noSpellcheck: true),
                Field("contactName", "Contact name", null, form.ContactName, "text", "name", errors),
                Field("contactEmail", "Contact email", null, form.ContactEmail, "email", "email", errors),
            },
        }));

    private static Dictionary<string, object?> Field(
        string name, string label, string? hint, string value, string type, string autocomplete, Dictionary<string, string>? errors, bool numeric = false, bool noSpellcheck = false)
    {
        var error = errors?.GetValueOrDefault(name);
        var describedBy = string.Join(' ', new[] { hint is null ? null : name + "-hint", error is null ? null : name + "-error" }.Where(x => x is not null));
        return new()
        {
            ["name"] = name,
            ["label"] = label,
            ["hint"] = hint,
            ["value"] = value,
            ["type"] = type,
            ["autocomplete"] = autocomplete,
            ["numeric"] = numeric,
            ["noSpellcheck"] = noSpellcheck,
            ["describedBy"] = describedBy,
            ["error"] = error,
        };
    }
}
