using System.Text;
using System.Text.Encodings.Web;

namespace Tier2.Functions.Email;

/// <summary>The two bodies of an email, built together so they say the same thing.</summary>
public sealed record EmailContent(string PlainText, string Html)
{
    public EmailMessage ToMessage(string to, string? toName, string subject) => new(to, toName, subject, PlainText, Html);
}

/// <summary>
/// Composes an email from parts, in order: every value is HTML-encoded in the HTML body (a <c>&lt;script&gt;</c>
/// arrives as text), link URLs must be absolute http(s) and are attribute-encoded. The HTML is plain and
/// inline-styled (no external resources, one narrow column that fits a phone).
/// </summary>
public sealed class EmailContentBuilder
{
    private const string Font = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;

    private readonly List<Part> parts = [];
    private string? preheader;
    private string? title;

    /// <summary>The document title (some clients show it); defaults to the first heading.</summary>
    public EmailContentBuilder Title(string text)
    {
        title = text;
        return this;
    }

    /// <summary>Hidden preview text that inbox lists show next to the subject.</summary>
    public EmailContentBuilder Preheader(string text)
    {
        preheader = text;
        return this;
    }

    public EmailContentBuilder Heading(string text) => Add(new Part(PartKind.Heading, text));

    /// <summary>A paragraph; line breaks in <paramref name="text"/> are kept.</summary>
    public EmailContentBuilder Paragraph(string text) => Add(new Part(PartKind.Paragraph, text));

    /// <summary>A call-to-action button; the plain text shows the label and the URL.</summary>
    public EmailContentBuilder Button(string label, Uri url) => Add(new Part(PartKind.Button, label, CheckUrl(url)));

    /// <summary>A call-to-action button; see <see cref="Button(string, Uri)"/>.</summary>
    public EmailContentBuilder Button(string label, string url) => Button(label, ParseUrl(url));

    /// <summary>A paragraph that is a link (<paramref name="text"/> defaults to the URL itself).</summary>
    public EmailContentBuilder Link(Uri url, string? text = null) => Add(new Part(PartKind.Link, text ?? CheckUrl(url), CheckUrl(url)));

    /// <summary>A quoted message someone wrote (kept line by line), with an optional attribution such as "Contoso wrote:".</summary>
    public EmailContentBuilder Quote(string text, string? attribution = null) => Add(new Part(PartKind.Quote, text, Attribution: attribution));

    /// <summary>Small print after a rule: why the reader got this email, what to do if it was not for them.</summary>
    public EmailContentBuilder Footer(string text) => Add(new Part(PartKind.Footer, text));

    public EmailContent Build() => new(BuildText(), BuildHtml());

    private EmailContentBuilder Add(Part part)
    {
        ArgumentNullException.ThrowIfNull(part.Text);
        parts.Add(part);
        return this;
    }

    private static Uri ParseUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var parsed) ? parsed : throw new ArgumentException("A link must be an absolute http or https URL.", nameof(url));

    private static string CheckUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp) || !string.IsNullOrEmpty(url.UserInfo))
        {
            throw new ArgumentException("A link must be an absolute http or https URL without user info.", nameof(url));
        }

        return url.AbsoluteUri;
    }

    private string BuildText()
    {
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            switch (part.Kind)
            {
                case PartKind.Heading:
                    var heading = OneLine(part.Text);
                    text.Append(heading).Append('\n').Append('=', Math.Min(heading.Length, 60)).Append("\n\n");
                    break;
                case PartKind.Paragraph:
                    text.Append(Normalize(part.Text)).Append("\n\n");
                    break;
                case PartKind.Button:
                    text.Append(OneLine(part.Text)).Append(":\n").Append(part.Url).Append("\n\n");
                    break;
                case PartKind.Link:
                    text.Append(part.Text == part.Url ? part.Url : $"{OneLine(part.Text)}: {part.Url}").Append("\n\n");
                    break;
                case PartKind.Quote:
                    if (part.Attribution is not null)
                    {
                        text.Append(OneLine(part.Attribution)).Append('\n');
                    }

                    foreach (var line in Lines(part.Text))
                    {
                        text.Append("> ").Append(line).Append('\n');
                    }

                    text.Append('\n');
                    break;
                case PartKind.Footer:
                    text.Append("-- \n").Append(Normalize(part.Text)).Append("\n\n");
                    break;
            }
        }

        return text.ToString().TrimEnd('\n') + "\n";
    }

    private string BuildHtml()
    {
        var docTitle = title ?? parts.FirstOrDefault(p => p.Kind == PartKind.Heading)?.Text ?? string.Empty;
        var html = new StringBuilder(2048);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"color-scheme\" content=\"light\">\n")
            .Append("<title>").Append(Encode(OneLine(docTitle))).Append("</title>\n</head>\n")
            .Append("<body style=\"margin:0;padding:0;background-color:#f4f5f7;\">\n");
        if (preheader is not null)
        {
            html.Append("<div style=\"display:none;max-height:0;overflow:hidden;opacity:0;\">").Append(Encode(OneLine(preheader))).Append("</div>\n");
        }

        html.Append("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"background-color:#f4f5f7;\">\n<tr><td align=\"center\" style=\"padding:24px 12px;\">\n")
            .Append("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"max-width:600px;background-color:#ffffff;border-radius:8px;\">\n")
            .Append("<tr><td style=\"padding:28px 24px;").Append(Font).Append("font-size:16px;line-height:1.5;color:#1f2328;\">\n");
        foreach (var part in parts)
        {
            switch (part.Kind)
            {
                case PartKind.Heading:
                    html.Append("<h1 style=\"margin:0 0 16px 0;font-size:22px;line-height:1.3;font-weight:600;color:#1f2328;\">").Append(Encode(OneLine(part.Text))).Append("</h1>\n");
                    break;
                case PartKind.Paragraph:
                    html.Append("<p style=\"margin:0 0 16px 0;\">").Append(EncodeLines(part.Text)).Append("</p>\n");
                    break;
                case PartKind.Button:
                    html.Append("<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"margin:8px 0 24px 0;\"><tr><td style=\"border-radius:6px;background-color:#0f6cbd;\">")
                        .Append("<a href=\"").Append(Encode(part.Url!)).Append("\" target=\"_blank\" rel=\"noopener noreferrer\" style=\"display:inline-block;padding:12px 24px;")
                        .Append(Font).Append("font-size:16px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px;\">")
                        .Append(Encode(OneLine(part.Text))).Append("</a></td></tr></table>\n")
                        .Append("<p style=\"margin:0 0 16px 0;font-size:13px;color:#57606a;\">If the button does not work, copy this link into your browser:<br>")
                        .Append("<span style=\"word-break:break-all;\">").Append(Encode(part.Url!)).Append("</span></p>\n");
                    break;
                case PartKind.Link:
                    html.Append("<p style=\"margin:0 0 16px 0;\"><a href=\"").Append(Encode(part.Url!)).Append("\" target=\"_blank\" rel=\"noopener noreferrer\" style=\"color:#0f6cbd;word-break:break-all;\">")
                        .Append(Encode(OneLine(part.Text))).Append("</a></p>\n");
                    break;
                case PartKind.Quote:
                    if (part.Attribution is not null)
                    {
                        html.Append("<p style=\"margin:0 0 4px 0;font-size:14px;color:#57606a;\">").Append(Encode(OneLine(part.Attribution))).Append("</p>\n");
                    }

                    html.Append("<blockquote style=\"margin:0 0 16px 0;padding:8px 16px;border-left:4px solid #d0d7de;background-color:#f6f8fa;color:#1f2328;white-space:normal;\">")
                        .Append(EncodeLines(part.Text)).Append("</blockquote>\n");
                    break;
                case PartKind.Footer:
                    html.Append("<hr style=\"border:none;border-top:1px solid #d0d7de;margin:24px 0 16px 0;\">\n")
                        .Append("<p style=\"margin:0;font-size:12px;line-height:1.5;color:#57606a;\">").Append(EncodeLines(part.Text)).Append("</p>\n");
                    break;
            }
        }

        html.Append("</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static string Encode(string value) => Encoder.Encode(value);

    private static string EncodeLines(string value) => string.Join("<br>\n", Lines(value).Select(Encode));

    private static string[] Lines(string value) => Normalize(value).Split('\n');

    private static string Normalize(string value) => value.ReplaceLineEndings("\n").Trim('\n');

    private static string OneLine(string value) => string.Join(' ', Lines(value).Select(l => l.Trim()).Where(l => l.Length > 0));

    private enum PartKind
    {
        Heading,
        Paragraph,
        Button,
        Link,
        Quote,
        Footer,
    }

    private sealed record Part(PartKind Kind, string Text, string? Url = null, string? Attribution = null);
}
