using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Tier2.Standalone.SampleApp;

/// <summary>The app's service registration, shared by the Functions host (Program.cs) and the standalone host.</summary>
public static class SampleAppSetup
{
    /// <summary>Registers the sample app's services.</summary>
    public static void ConfigureFunctionApp(IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(new Greeter(builder.Configuration["Sample:Greeting"] ?? "Hello"));
        builder.Services.AddSingleton<TimerLog>();
    }
}

/// <summary>Formats greetings (a service the HTTP function takes from DI).</summary>
public sealed class Greeter(string greeting)
{
    /// <summary>The greeting for <paramref name="name"/>.</summary>
    public string Greet(string name) => $"{greeting}, {name}";
}

/// <summary>Counts timer runs so tests can observe them.</summary>
public sealed class TimerLog
{
    private int runs;

    /// <summary>How many times the sample timer ran in this process.</summary>
    public int Runs => Volatile.Read(ref this.runs);

    /// <summary>Whether the first run in this process was past due.</summary>
    public bool? FirstIsPastDue { get; private set; }

    /// <summary>Records one run.</summary>
    public void Record(bool isPastDue)
    {
        this.FirstIsPastDue ??= isPastDue;
        Interlocked.Increment(ref this.runs);
    }
}
