using System.Diagnostics;

namespace WebApp.Testing;

/// <summary>
/// The site as it is deployed: the output of <c>dotnet publish -c Release</c> of WebApp, made once per process (a
/// test run or a benchmark run) into a temporary folder, and deleted when that process ends. Tests and the benchmark
/// both run it from there.
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

    /// <summary>The name every published folder starts with, under the temporary folder.</summary>
    public const string FolderPrefix = "chat-published-";

    /// <summary>The file in a published folder naming the process (its decimal id) that made and uses it.</summary>
    public const string OwnerFile = "publisher.pid";

    /// <summary>Published folders whose process is gone, or older than this without an owner file (made before it existed).</summary>
    public static readonly TimeSpan UnownedLeftoverAge = TimeSpan.FromHours(12);

    /// <summary>
    /// Deletes the published folders under <paramref name="temp"/> that nobody uses any more: those whose owner
    /// process no longer runs, and those without an owner file last written more than <see cref="UnownedLeftoverAge"/>
    /// ago. A folder that cannot be deleted is left for next time.
    /// </summary>
    public static void SweepLeftovers(string temp)
    {
        foreach (var folder in Directory.EnumerateDirectories(temp, FolderPrefix + "*"))
        {
            var owner = Path.Combine(folder, OwnerFile);
            var unused = File.Exists(owner)
                ? !int.TryParse(File.ReadAllText(owner), out var pid) || !IsRunning(pid)
                : DateTime.UtcNow - Directory.GetLastWriteTimeUtc(folder) > UnownedLeftoverAge;
            if (unused) TryDelete(folder);
        }
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Deletes <paramref name="folder"/> with its owner file last: a test host may be killed while its exit handlers
    /// run, and a half-deleted folder that still names its (by then dead) owner is swept next time, not in 12 hours.
    /// </summary>
    private static void DeleteOwnerLast(string folder)
    {
        try
        {
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
            {
                if (entry.Name == OwnerFile) continue;
                if (entry is DirectoryInfo directory) directory.Delete(recursive: true);
                else entry.Delete();
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        TryDelete(folder);
    }

    private static void TryDelete(string folder)
    {
        try { Directory.Delete(folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Publishes WebApp in Release into a temporary folder, once per process; returns that folder (it holds WebApp.dll).</summary>
    /// <exception cref="InvalidOperationException">dotnet publish failed (its output is in the message).</exception>
    public static async Task<string> PublishAsync()
    {
        await Publishing.WaitAsync();
        try
        {
            if (_published is not null) return _published;
            SweepLeftovers(Path.GetTempPath());
            var output = Directory.CreateTempSubdirectory(FolderPrefix).FullName;
            await File.WriteAllTextAsync(Path.Combine(output, OwnerFile), Environment.ProcessId.ToString());
            // About 70 MB each: gone when this process ends; what a killed process leaves, the next publish sweeps.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteOwnerLast(output);
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
