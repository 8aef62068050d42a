using System.Reflection;
using Microsoft.AspNetCore.Builder;

namespace Tier2.Standalone.Hosting;

/// <summary>What the standalone host runs and how the caller wants to adjust it.</summary>
public sealed class StandaloneHostOptions
{
    /// <summary>
    /// The function app's build output folder (holding the app dll, functions.metadata and host.json), or
    /// the app dll itself. Ignored when <see cref="AppAssembly"/> is set.
    /// </summary>
    public string? AppPath { get; set; }

    /// <summary>
    /// An app assembly the caller has already loaded (a test project referencing the app). Its
    /// functions.metadata and host.json are read from <see cref="MetadataFolder"/>.
    /// </summary>
    public Assembly? AppAssembly { get; set; }

    /// <summary>
    /// The folder holding functions.metadata, host.json and local.settings.json (also the content root);
    /// defaults to the app's folder (<see cref="AppPath"/>, or where <see cref="AppAssembly"/> was loaded from).
    /// </summary>
    public string? MetadataFolder { get; set; }

    /// <summary>Command-line arguments (for example <c>--urls</c>), applied as configuration.</summary>
    public IReadOnlyList<string> Args { get; set; } = [];

    /// <summary>
    /// Whether local.settings.json <c>Values</c> (app folder, else current directory) become configuration,
    /// as <c>func start</c> does. Tests usually turn this off.
    /// </summary>
    public bool LoadLocalSettings { get; set; } = true;

    /// <summary>
    /// Runs before the app's <c>ConfigureFunctionApp</c>: add configuration here (the app reads settings while
    /// it registers its services) and services the app may replace.
    /// </summary>
    public Action<WebApplicationBuilder>? ConfigureBeforeApp { get; set; }

    /// <summary>Runs after the app's <c>ConfigureFunctionApp</c>: replace the app's services (fakes) here.</summary>
    public Action<WebApplicationBuilder>? ConfigureAfterApp { get; set; }
}
