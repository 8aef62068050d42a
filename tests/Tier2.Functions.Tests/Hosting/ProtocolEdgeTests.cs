using System.IO.Compression;
using Microsoft.AspNetCore.Mvc;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Hosting;

/// <summary>What a client may send that the app does not serve: content codings, methods a route does not answer, routes no function declares.</summary>
public sealed class ProtocolEdgeTests : AppTest
{
    private static readonly byte[] DraftInvite = """{"email":"edge@fabrikam.example","delivery":"Draft"}"""u8.ToArray();

    private async Task<HttpResponseMessage> PostInviteAsync(string contentType, byte[]? body = null, string? contentEncoding = null)
    {
        var content = new ByteArrayContent(body ?? DraftInvite);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (contentEncoding is not null)
        {
            content.Headers.ContentEncoding.Add(contentEncoding);
        }

        return await Provider.PostAsync(new Uri("/api/resellers/invites", UriKind.Relative), content);
    }

    private static async Task<ProblemDetails> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<ProblemDetails>())!;
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    [InlineData("nonsense")]
    public async Task A_content_coding_on_a_json_body_answers_415_naming_the_coding(string coding)
    {
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(DraftInvite);
        }

        using var response = await PostInviteAsync("application/json", compressed.ToArray(), coding);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal("urn:tier2:problem:unsupported-media-type", problem.Type);
        Assert.Contains(coding, problem.Detail, StringComparison.Ordinal);
        Assert.Equal(["identity"], response.Headers.GetValues("Accept-Encoding"));
    }

    [Fact]
    public async Task The_identity_coding_is_read_as_no_coding()
    {
        using var response = await PostInviteAsync("application/json", contentEncoding: "identity");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("PUT", "/api/orders", "GET, POST")]
    [InlineData("DELETE", "/api/offers", "GET")]
    [InlineData("GET", "/api/orders/some-order/submit", "POST")]
    [InlineData("PATCH", "/api/resellers/invites", "GET, POST")]
    [InlineData("PUT", "/api/customers/c-1/resellers/r-1", "DELETE")]
    public async Task A_method_a_route_does_not_serve_answers_405_with_allow(string method, string path, string allow)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) };

        using var response = await Provider.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        Assert.Equal("urn:tier2:problem:method-not-allowed", (await ProblemAsync(response)).Type);
    }

    [Fact]
    public async Task HEAD_on_a_GET_route_answers_405_with_allow_GET_and_no_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/api/health");

        using var response = await App.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET"], response.Content.Headers.Allow);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_route_no_function_declares_answers_404_problem_details_to_any_method()
    {
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post, HttpMethod.Delete })
        {
            using var response = await App.Client.SendAsync(new HttpRequestMessage(method, "/api/no/such/thing"));

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("urn:tier2:problem:not-found", (await ProblemAsync(response)).Type);
        }
    }
}
