using System.Net;
using System.Text.Json;

namespace Tier2.Standalone.Tests;

/// <summary>
/// The sample app's HTTP functions through the standalone host. The answers are read as raw JSON on purpose: the host
/// loads the sample app at run time (the tests have no compile-time reference to its types), and these tests pin what
/// an HTTP client receives on the wire.
/// </summary>
public sealed class HttpFunctionTests : IAsyncLifetime
{
    private SampleHost host = null!;

    public async Task InitializeAsync() => this.host = await SampleHost.StartAsync(SampleHost.NewHubName());

    public async Task DisposeAsync() => await this.host.DisposeAsync();

    [Fact]
    public async Task A_route_value_and_a_query_value_bind_to_parameters_and_app_services_reach_the_function()
    {
        using HttpResponseMessage response = await this.host.Http.GetAsync(new Uri("/api/hello/bob?times=3", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Hi, bob", body.RootElement.GetProperty("message").GetString());
        Assert.Equal(3, body.RootElement.GetProperty("times").GetInt32());
    }

    [Fact]
    public async Task A_query_value_that_does_not_convert_binds_as_missing()
    {
        using HttpResponseMessage response = await this.host.Http.GetAsync(new Uri("/api/hello/bob?times=many", UriKind.Relative));

        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1, body.RootElement.GetProperty("times").GetInt32());
    }

    [Fact]
    public async Task An_unknown_route_answers_404()
    {
        using HttpResponseMessage response = await this.host.Http.GetAsync(new Uri("/api/nothing/here", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_known_route_with_a_method_it_does_not_accept_answers_404_like_the_Functions_host()
    {
        using HttpResponseMessage response = await this.host.Http.DeleteAsync(new Uri("/api/hello/bob", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_function_with_a_durable_client_starts_an_orchestration_and_answers_202_with_its_id()
    {
        using HttpResponseMessage response = await this.host.Http.PostAsync(new Uri("/api/approvals/ann?timeout=1", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        string id = body.RootElement.GetProperty("id").GetString()!;
        Assert.Equal($"/api/approvals/{id}", response.Headers.Location?.ToString());
        Assert.NotNull(await this.host.Client.GetInstanceAsync(id));
    }

    [Fact]
    public async Task An_IActionResult_is_executed_and_a_route_constraint_applies()
    {
        using HttpResponseMessage found = await this.host.Http.GetAsync(new Uri("/api/items/5", UriKind.Relative));
        using HttpResponseMessage missing = await this.host.Http.GetAsync(new Uri("/api/items/0", UriKind.Relative));
        using HttpResponseMessage notAnInt = await this.host.Http.GetAsync(new Uri("/api/items/abc", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await found.Content.ReadAsStringAsync());
        Assert.Equal(5, body.RootElement.GetProperty("id").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notAnInt.StatusCode);
    }

    [Fact]
    public void The_app_services_are_the_hosts_services()
    {
        object greeter = this.host.AppService("Greeter");

        Assert.Equal("Hi, x", greeter.GetType().GetMethod("Greet")!.Invoke(greeter, ["x"]));
    }
}
