using System.Diagnostics;

namespace WebApp.Testing;

public sealed record CommandResult(int ExitCode, string Output, string Errors);

/// <summary>Short commands the tests and the benchmark need: setting servers up, probing them, and installing packages when absent.</summary>
public static class HostCommands
{
    // apt-get holds a lock: the two servers starting side by side on a fresh machine install one after the other.
    private static readonly SemaphoreSlim AptGet = new(1, 1);

    public static async Task<CommandResult> RunAsync(ProcessStartInfo startInfo)
    {
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new(process.ExitCode, await output, errors);
    }

    public static async Task<string> RunOrThrowAsync(ProcessStartInfo startInfo)
    {
        var result = await RunAsync(startInfo);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{startInfo.FileName} {string.Join(' ', startInfo.ArgumentList)} failed with code {result.ExitCode}:\n{result.Errors}{result.Output}");
        }
        return result.Output;
    }

    /// <summary>
    /// On a fresh Debian machine (where tests run as root) the test command installs what it needs (Chromium, the
    /// servers), so `dotnet test WebApp.sln` alone is enough.
    /// </summary>
    public static async Task InstallDebianPackageAsync(string package, Func<bool> isInstalled)
    {
        await AptGet.WaitAsync();
        try
        {
            if (isInstalled()) return;
            var help = $"{package} is not installed. Install Debian's {package} (apt-get install -y {package}) or run the tests as root on Debian.";
            if (!File.Exists("/usr/bin/apt-get") || Environment.UserName != "root") throw new InvalidOperationException(help);

            string[][] steps = [["update", "-qq"], ["install", "-y", "-qq", package]];
            foreach (var arguments in steps)
            {
                var startInfo = new ProcessStartInfo("apt-get", arguments);
                startInfo.Environment["DEBIAN_FRONTEND"] = "noninteractive";
                var result = await RunAsync(startInfo);
                if (result.ExitCode != 0) throw new InvalidOperationException($"{help}\napt-get {string.Join(' ', arguments)} failed: {result.Errors}{result.Output}");
            }
            if (!isInstalled()) throw new InvalidOperationException(help);
        }
        finally
        {
            AptGet.Release();
        }
    }
}
