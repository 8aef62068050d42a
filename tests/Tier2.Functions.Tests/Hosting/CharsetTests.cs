using Microsoft.AspNetCore.Mvc;
using Tier2.Functions.Invites;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Hosting;

/// <summary>The charset parameter of a JSON body, as RFC 9110 allows a client to write it (a token or a quoted string).</summary>
public sealed class CharsetTests : AppTest
{
    private static readonly byte[] DraftInvite = """{"email":"edge@fabrikam.example","delivery":"Draft"}"""u8.ToArray();

    private async Task<HttpResponseMessage> PostInviteAsync(string contentType)
    {
        var content = new ByteArrayContent(DraftInvite);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return await Provider.PostAsync(new Uri("/api/resellers/invites", UriKind.Relative), content);
    }

    private static async Task<ProblemDetails> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<ProblemDetails>())!;
    }

    [Theory]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("application/json; charset=\"UTF-8\"")]
    [InlineData("application/json;charset=utf-8")]
    public async Task A_quoted_utf8_charset_is_read_as_json(string contentType)
    {
        using var response = await PostInviteAsync(contentType);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var invite = await response.Content.ReadFromJsonAsync<InviteView>(JsonSerializerOptions.Web);
        Assert.Equal("edge@fabrikam.example", invite!.Email);
    }

    [Theory]
    [InlineData("application/json; charset=")]
    [InlineData("application/json; charset=\"\"")]
    [InlineData("application/json; charset=\"nonsense\"")]
    [InlineData("application/json; charset=\"utf-7\"")]
    [InlineData("application/json; charset=utf-8; charset=latin1")]
    public async Task An_empty_or_unknown_charset_answers_415_problem_details(string contentType)
    {
        using var response = await PostInviteAsync(contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("urn:tier2:problem:unsupported-media-type", (await ProblemAsync(response)).Type);
    }
}
