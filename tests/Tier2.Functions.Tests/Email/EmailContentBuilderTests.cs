using Tier2.Functions.Email;

namespace Tier2.Functions.Tests.Email;

public sealed class EmailContentBuilderTests
{
    private const string Script = "<script>alert('x')</script>";

    [Fact]
    public void Every_value_is_html_encoded_so_a_script_arrives_as_text()
    {
        var content = new EmailContentBuilder()
            .Title("T " + Script)
            .Preheader("P " + Script)
            .Heading("H " + Script)
            .Paragraph("Para " + Script + " \"quoted\" & more")
            .Button("B " + Script, new Uri("http://tier2.test.example/invite/abc"))
            .Link(new Uri("http://tier2.test.example/help"), "L " + Script)
            .Quote("Q " + Script, "A " + Script)
            .Footer("F " + Script)
            .Build();

        Assert.DoesNotContain("<script", content.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("alert('x')", content.Html, StringComparison.Ordinal);
        foreach (var label in new[] { "T ", "P ", "H ", "Para ", "B ", "L ", "Q ", "A ", "F " })
        {
            Assert.Contains(label + "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;", content.Html, StringComparison.Ordinal);
        }

        Assert.Contains("&quot;quoted&quot; &amp; more", content.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_plain_text_carries_the_same_values_verbatim_and_the_link_urls()
    {
        var content = new EmailContentBuilder()
            .Heading("You are invited")
            .Paragraph("Line one\r\nLine two")
            .Button("Review the invitation", "http://tier2.test.example/invite/abc")
            .Quote("Hi <team>,\nwelcome", "Contoso wrote:")
            .Footer("You got this because someone entered your address.")
            .Build();

        Assert.Equal(
            "You are invited\n===============\n\nLine one\nLine two\n\nReview the invitation:\nhttp://tier2.test.example/invite/abc\n\n"
            + "Contoso wrote:\n> Hi <team>,\n> welcome\n\n-- \nYou got this because someone entered your address.\n",
            content.PlainText);
        Assert.Contains("Line one<br>\nLine two", content.Html, StringComparison.Ordinal);
        Assert.Contains("Hi &lt;team&gt;,<br>\nwelcome", content.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("/relative/path")]
    [InlineData("ftp://files.example/x")]
    [InlineData("https://user:pass@tier2.test.example/")]
    [InlineData("vbscript:msgbox")]
    public void Only_absolute_http_and_https_links_are_accepted(string url)
    {
        Assert.Throws<ArgumentException>(() => new EmailContentBuilder().Button("Go", url));
    }

    [Fact]
    public void Link_urls_are_escaped_and_attribute_encoded()
    {
        var content = new EmailContentBuilder()
            .Button("Go", "http://tier2.test.example/invite?a=1&b=\"><script>x</script>")
            .Build();

        Assert.Contains("href=\"http://tier2.test.example/invite?a=1&amp;b=%22%3E%3Cscript%3Ex%3C/script%3E\"", content.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", content.Html, StringComparison.Ordinal);
        Assert.Contains("http://tier2.test.example/invite?a=1&b=%22%3E%3Cscript%3Ex%3C/script%3E", content.PlainText, StringComparison.Ordinal);
    }

    [Fact]
    public void The_html_is_a_self_contained_mobile_friendly_document()
    {
        var html = new EmailContentBuilder().Heading("Hello").Paragraph("Body").Button("Go", "http://tier2.test.example/").Build().Html;

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">", html, StringComparison.Ordinal);
        Assert.Contains("max-width:600px", html, StringComparison.Ordinal);
        Assert.Contains("<title>Hello</title>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Non_ascii_text_survives_encoding()
    {
        var content = new EmailContentBuilder().Paragraph("Grüße aus Köln — 東京").Build();

        Assert.Contains("Grüße aus Köln — 東京", content.PlainText, StringComparison.Ordinal);
        Assert.Equal("Grüße aus Köln — 東京", System.Net.WebUtility.HtmlDecode(content.Html.Split("<p style=\"margin:0 0 16px 0;\">")[1].Split("</p>")[0]));
    }

    [Fact]
    public void The_content_becomes_a_message()
    {
        var message = new EmailContentBuilder().Paragraph("Hi").Build().ToMessage("a@b.example", "A", "Subject");

        Assert.Equal("a@b.example", message.To);
        Assert.Equal("Subject", message.Subject);
        Assert.Contains("Hi", message.Html, StringComparison.Ordinal);
        Assert.Equal("Hi\n", message.PlainText);
    }

    [Fact]
    public void A_subject_or_display_name_with_line_breaks_is_sent_on_one_line()
    {
        var message = new EmailMessage("owner@fabrikam.example", "Fabrikam\r\n Resellers\0", "Welcome,\r\nFabrikam\tResellers", "text", "<p>html</p>");

        Assert.Equal("Welcome, Fabrikam Resellers", message.Subject);
        Assert.Equal("Fabrikam Resellers", message.ToName);
        message.Validate();
    }
}
