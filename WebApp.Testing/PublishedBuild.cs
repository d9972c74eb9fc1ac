using System.Diagnostics;

namespace WebApp.Testing;

/// <summary>
/// The site as it is deployed: the output of <c>dotnet publish -c Release</c> of WebApp, made once per process (a
/// test run or a benchmark run) into a temporary folder. Tests and the benchmark both run it from there.
/// </summary>
public static class PublishedBuild
{
    private static readonly SemaphoreSlim Publishing = new(1, 1);
    private static string? _published;

    /// <summary>The repository's root (the folder holding WebApp.sln), found from the running assembly's folder.</summary>
    /// <exception cref="InvalidOperationException">No WebApp.sln above the assembly's folder.</exception>
    public static string RepositoryRoot
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "WebApp.sln"))) return directory.FullName;
            }
            throw new InvalidOperationException($"no WebApp.sln above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>Publishes WebApp in Release into a temporary folder, once per process; returns that folder (it holds WebApp.dll).</summary>
    /// <exception cref="InvalidOperationException">dotnet publish failed (its output is in the message).</exception>
    public static async Task<string> PublishAsync()
    {
        await Publishing.WaitAsync();
        try
        {
            if (_published is not null) return _published;
            var output = Directory.CreateTempSubdirectory("chat-published-").FullName;
            var publish = new ProcessStartInfo("dotnet",
                ["publish", Path.Combine(RepositoryRoot, "WebApp", "WebApp.csproj"), "-c", "Release", "-o", output, "--disable-build-servers", "-nologo", "-v", "q"]);
            await HostCommands.RunOrThrowAsync(publish);
            return _published = output;
        }
        finally
        {
            Publishing.Release();
        }
    }
}
