using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
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
    public const string Route = "invite/{token}";

    /// <summary>Whether <paramref name="path"/> is an invite link (its last segment is a secret); <paramref name="template"/> is the path to log instead.</summary>
    public static bool IsInvitePath(PathString path, out string template)
    {
        var value = path.Value ?? string.Empty;
        var at = value.LastIndexOf("/invite/", StringComparison.OrdinalIgnoreCase);
        template = at < 0 ? value : value[..at] + "/" + Route;
        return at >= 0;
    }

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
        return Html(http, StatusCodes.Status200OK, nonce => FormPage(nonce, app.Value, invite, form, errors: null, antiforgery.GetAndStoreTokens(http)));
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
            // Read once, here: a form the reader refuses is the page's answer, not a 500 nor an "expired" form.
            fields = await http.Request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException)
        {
            return Html(http, StatusCodes.Status400BadRequest, nonce => MessagePage(nonce, app.Value, "This form could not be read", "Please open the link from your email again and resubmit.", null));
        }

        try
        {
            await antiforgery.ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            return Html(http, StatusCodes.Status400BadRequest, nonce => MessagePage(nonce, app.Value, "This form has expired", "Please open the link from your email again and resubmit.", null));
        }

        var invite = await store.FindByTokenAsync(token, cancellationToken);
        var now = time.GetUtcNow();
        if (invite is null || !invite.IsLive(now))
        {
            return NoLongerValid(http);
        }

        var action = fields["action"].ToString();
        if (action == "decline")
        {
            var declined = await store.UpdateAsync(invite.Id, $"reseller:{invite.Email}", "declined",
                current => current.Status == InviteStatus.Pending && current.TokenHash == invite.TokenHash ? current with { Status = InviteStatus.Declined, RespondedAt = now } : null,
                newTokenHash: null, cancellationToken);
            if (declined.Outcome != ChangeOutcome.Changed && declined.Value?.Status != InviteStatus.Declined)
            {
                return NoLongerValid(http);
            }

            await SignalAsync(durable, invite.InstanceId, new InviteSignal(InviteSignalKind.Declined), cancellationToken);
            return Html(http, StatusCodes.Status200OK, nonce => MessagePage(nonce, app.Value, "Invitation declined", $"You declined the partnership request from {app.Value.ProviderName}. Nothing else will happen, and this link no longer works.", null));
        }

        var form = new AcceptForm(
            fields["companyName"].ToString().Trim(),
            fields["mpnId"].ToString().Trim(),
            fields["tenantId"].ToString().Trim(),
            fields["contactName"].ToString().Trim(),
            fields["contactEmail"].ToString().Trim());
        var errors = Validate(form, app.Value);
        if (errors.Count == 0 && await resellers.FindIdByMpnAsync(form.MpnId, cancellationToken) is { } holder && holder != invite.ResellerId)
        {
            errors["mpnId"] = MpnTaken(form.MpnId, app.Value);
        }

        if (errors.Count > 0)
        {
            return Html(http, StatusCodes.Status422UnprocessableEntity, nonce => FormPage(nonce, app.Value, invite, form, errors, antiforgery.GetAndStoreTokens(http)));
        }

        // The reseller first (idempotent on the id reserved by the invite; the MPN ID is claimed atomically),
        // then the token is consumed: a double submit finds the reseller already there and creates no second one.
        var created = await resellers.CreateAsync(
            new Reseller
            {
                Id = invite.ResellerId,
                CompanyName = form.CompanyName,
                MpnId = form.MpnId,
                TenantId = Guid.Parse(form.TenantId),
                ContactName = form.ContactName,
                ContactEmail = form.ContactEmail,
                InvitedEmail = invite.Email,
                Status = ResellerStatus.PendingActivation,
                InviteId = invite.Id,
                CreatedAt = now,
            },
            $"reseller:{invite.Email}",
            cancellationToken);
        if (created.MpnTakenBy is not null)
        {
            errors["mpnId"] = MpnTaken(form.MpnId, app.Value);
            return Html(http, StatusCodes.Status422UnprocessableEntity, nonce => FormPage(nonce, app.Value, invite, form, errors, antiforgery.GetAndStoreTokens(http)));
        }

        if (!created.Created && !SameAcceptance(created.Reseller, form))
        {
            // Another submit of this link was first with other details: this one saved nothing, so it must not
            // confirm anything (a repeat of the very same details may still be told it went through).
            return NoLongerValid(http);
        }

        var accepted = await store.UpdateAsync(invite.Id, $"reseller:{invite.Email}", "accepted",
            current => current.Status == InviteStatus.Pending && current.TokenHash == invite.TokenHash ? current with { Status = InviteStatus.Accepted, RespondedAt = now } : null,
            newTokenHash: null, cancellationToken);
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
        return Html(http, StatusCodes.Status200OK, nonce => partnerCenter.Value.IsEnabled
            ? MessagePage(nonce, app.Value, "Partnership accepted",
                $"Thank you. {app.Value.ProviderName} now looks for {form.CompanyName} (PartnerID {form.MpnId}) in Partner Center. An email to {form.ContactEmail} says when the partnership is active, or what is left to do.",
                $"Orders can be placed for you once Partner Center lists you as {app.Value.ProviderName}'s indirect reseller with the Microsoft Partner Agreement signed. If you have not yet: in Partner Center, accept {app.Value.ProviderName}'s indirect reseller request, and sign the Microsoft Partner Agreement.")
            : MessagePage(nonce, app.Value, "Partnership accepted",
                $"Thank you. {form.CompanyName} is now an indirect reseller partner of {app.Value.ProviderName}. A welcome email is on its way to {form.ContactEmail}.",
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

    private sealed record AcceptForm(string CompanyName, string MpnId, string TenantId, string ContactName, string ContactEmail);

    private static Dictionary<string, string> Validate(AcceptForm form, AppOptions app)
    {
        var errors = new Dictionary<string, string>();
        if (form.CompanyName.Length is 0 or > 200)
        {
            errors["companyName"] = "Enter your company name (at most 200 characters).";
        }
        else if (!TextInput.IsSingleLine(form.CompanyName))
        {
            errors["companyName"] = "Enter your company name on one line, without line breaks or control characters.";
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
            errors["contactName"] = "Enter a contact name on one line, without line breaks or control characters.";
        }

        if (!InviteValidation.IsEmail(form.ContactEmail))
        {
            errors["contactEmail"] = "Enter a contact email address, such as name@example.com.";
        }

        return errors;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult NoLongerValid(HttpContext http) =>
        Html(http, StatusCodes.Status410Gone, nonce => MessagePage(nonce, http.RequestServices.GetRequiredService<IOptions<AppOptions>>().Value,
            "This invitation is no longer valid",
            "The link may have been used already, replaced by a newer invitation, revoked, or it has expired. Ask the provider to send you a new invitation.",
            null));

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Html(HttpContext http, int status, Func<string, string> render)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = $"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-store";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        return TypedResults.Text(render(nonce), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private static string E(string? value) => HtmlEncoder.Default.Encode(value ?? string.Empty);

    private static string Layout(string nonce, AppOptions app, string title, string body) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>{{E(title)}} · {{E(app.ProviderName)}}</title>
        <style nonce="{{nonce}}">
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1b1b1b;line-height:1.5}
        main{max-width:40rem;margin:0 auto;padding:1.25rem}
        .card{background:#fff;border-radius:8px;padding:1.25rem 1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12);overflow-wrap:anywhere}
        h1{font-size:1.4rem;margin:.2rem 0 1rem}
        label{display:block;font-weight:600;margin-top:1rem}
        .hint{font-weight:400;color:#555;font-size:.9rem}
        input{box-sizing:border-box;width:100%;font-size:1rem;padding:.6rem;border:1px solid #8a8886;border-radius:4px;margin-top:.25rem}
        input[aria-invalid=true]{border-color:#a4262c;border-width:2px}
        .error{color:#a4262c;font-size:.95rem;margin:.25rem 0 0}
        .summary{border:2px solid #a4262c;border-radius:4px;padding:.5rem 1rem;margin-bottom:1rem}
        .actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1.5rem}
        button{font-size:1rem;padding:.7rem 1.4rem;border-radius:4px;border:1px solid #0f6cbd;cursor:pointer;min-height:44px}
        .primary{background:#0f6cbd;color:#fff}
        .secondary{background:#fff;color:#0f6cbd}
        blockquote{margin:1rem 0;padding:.5rem 1rem;border-left:4px solid #c8c6c4;background:#faf9f8;white-space:pre-wrap}
        footer{color:#555;font-size:.85rem;margin-top:1.5rem}
        </style>
        </head>
        <body><main><div class="card">
        {{body}}
        </div><footer>{{E(app.ProviderName)}} · indirect provider in the Microsoft Cloud Solution Provider program</footer></main></body>
        </html>
        """;

    private static string MessagePage(string nonce, AppOptions app, string title, string text, string? more) =>
        Layout(nonce, app, title, $"<h1>{E(title)}</h1><p>{E(text)}</p>{(more is null ? string.Empty : $"<p>{E(more)}</p>")}");

    private static string FormPage(string nonce, AppOptions app, Invite invite, AcceptForm form, Dictionary<string, string>? errors, AntiforgeryTokenSet antiforgeryTokens)
    {
        var body = new StringBuilder();
        body.Append(CultureInvariant($"<h1>{E(app.ProviderName)} invites you to partner as an indirect reseller</h1>"));
        body.Append(CultureInvariant($"<p>This invitation was sent to <strong>{E(invite.Email)}</strong>{(invite.CompanyName is null ? string.Empty : $" for {E(invite.CompanyName)}")}.</p>"));
        if (invite.Message is not null)
        {
            body.Append(CultureInvariant($"<p>Message from {E(app.ProviderName)}:</p><blockquote>{E(invite.Message)}</blockquote>"));
        }

        body.Append(CultureInvariant($"""
            <h2>What accepting means</h2>
            <p>{E(app.ProviderName)} becomes your indirect provider in the Cloud Solution Provider program. You will both serve common customers: {E(app.ProviderName)} can add new customers on your behalf, submit orders for them, associate you with subscriptions so you can manage them and earn incentives, and designate you as the support contact for subscriptions.</p>
            <p>You need to be enrolled as an indirect reseller in the CSP program with a Partner Center account. The link in your email works once and expires on {E(invite.ExpiresAt.ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture))}.</p>
            """));
        if (errors is { Count: > 0 })
        {
            body.Append("<div class=\"summary\" role=\"alert\" id=\"error-summary\"><p><strong>Please correct the following:</strong></p><ul>");
            foreach (var (field, message) in errors)
            {
                body.Append(CultureInvariant($"<li><a href=\"#{field}\">{E(message)}</a></li>"));
            }

            body.Append("</ul></div>");
        }

        body.Append(CultureInvariant($"<form method=\"post\" novalidate><input type=\"hidden\" name=\"{E(antiforgeryTokens.FormFieldName)}\" value=\"{E(antiforgeryTokens.RequestToken)}\">"));
        body.Append(Field("companyName", "Company name", null, form.CompanyName, "text", "organization", errors));
        body.Append(Field("mpnId", "PartnerID (MPN ID)", "Digits only, as shown in Partner Center.", form.MpnId, "text", "off", errors, "inputmode=\"numeric\" pattern=\"[0-9]*\" maxlength=\"10\""));
        body.Append(Field("tenantId", "Microsoft Entra tenant ID", "A GUID, for example 72f988bf-86f1-41af-91ab-2d7cd011db47.", form.TenantId, "text", "off", errors, "spellcheck=\"false\""));
        body.Append(Field("contactName", "Contact name", null, form.ContactName, "text", "name", errors));
        body.Append(Field("contactEmail", "Contact email", null, form.ContactEmail, "email", "email", errors));
        body.Append("""
            <div class="actions">
            <button class="primary" type="submit" name="action" value="accept">Accept partnership</button>
            <button class="secondary" type="submit" name="action" value="decline" formnovalidate>Decline</button>
            </div></form>
            """);
        return Layout(nonce, app, "Partnership invitation", body.ToString());
    }

    private static string Field(string name, string label, string? hint, string value, string type, string autocomplete, Dictionary<string, string>? errors, string extra = "")
    {
        var error = errors?.GetValueOrDefault(name);
        var describedBy = string.Join(' ', new[] { hint is null ? null : name + "-hint", error is null ? null : name + "-error" }.Where(x => x is not null));
        return CultureInvariant($"""
            <label for="{name}">{E(label)}{(hint is null ? string.Empty : $" <span class=\"hint\" id=\"{name}-hint\">{E(hint)}</span>")}</label>
            <input id="{name}" name="{name}" type="{type}" value="{E(value)}" autocomplete="{autocomplete}" required {extra}{(describedBy.Length > 0 ? $" aria-describedby=\"{describedBy}\"" : string.Empty)}{(error is null ? string.Empty : " aria-invalid=\"true\"")}>
            {(error is null ? string.Empty : $"<p class=\"error\" id=\"{name}-error\">{E(error)}</p>")}
            """);
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}
