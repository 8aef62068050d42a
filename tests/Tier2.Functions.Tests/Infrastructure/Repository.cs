namespace Tier2.Functions.Tests.Infrastructure;

/// <summary>Where the repository and the build outputs next to this test assembly are.</summary>
public static class Repository
{
    /// <summary>The folder holding Serverless.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>This test assembly's configuration folder name (Debug, Release).</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>This test assembly's target framework folder name.</summary>
    public static string Framework { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;

    /// <summary>
    /// A project's build output of the same configuration and framework as the tests: beside the project
    /// (<c>bin/Debug/net10.0</c>), or in the same artifacts folder when built with <c>--artifacts-path</c>
    /// (<c>bin/{Project}/debug</c>).
    /// </summary>
    public static string Output(string projectFolder)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        if (here.Parent?.Parent is { Name: "bin" } artifactsBin && !here.Name.StartsWith("net", StringComparison.Ordinal))
        {
            return Path.Combine(artifactsBin.FullName, Path.GetFileName(projectFolder), here.Name);
        }

        return Path.Combine(Root, projectFolder, "bin", Configuration, Framework);
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory(), Environment.GetEnvironmentVariable("TIER2_REPO_ROOT") ?? "/" })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Serverless.sln not found above " + AppContext.BaseDirectory + " or the current directory; set TIER2_REPO_ROOT.");
    }
}
