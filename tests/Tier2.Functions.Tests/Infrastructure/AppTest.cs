namespace Tier2.Functions.Tests.Infrastructure;

/// <summary>A test class with its own app (own storage prefix and hub) and a provider-admin client.</summary>
public abstract class AppTest : IAsyncLifetime
{
    protected TestApp App { get; private set; } = null!;

    protected HttpClient Provider { get; private set; } = null!;

    /// <summary>Changes to the default settings for this class's app.</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    public async Task InitializeAsync()
    {
        App = await TestApp.StartAsync(Configure);
        Provider = App.ClientAs();
    }

    public async Task DisposeAsync()
    {
        Provider.Dispose();
        await App.DisposeAsync();
    }
}
