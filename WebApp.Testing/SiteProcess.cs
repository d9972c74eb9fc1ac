using System.Diagnostics;
using System.Net;
using System.Text;

namespace WebApp.Testing;

/// <summary>
/// The built site (WebApp.dll beside this assembly, in Development; or the published build in Production) as a process
/// of its own on a fixed loopback port with a fresh database, so the benchmark can measure it from outside and a test
/// can stop it gracefully (SIGTERM) or kill it outright, and start it again on the same port and database.
/// </summary>
public sealed class SiteProcess(IReadOnlyDictionary<string, string>? settings = null) : IAsyncDisposable
{
    public const string SigningKey = "benchmark-and-test-signing-key-long-enough-for-hs256-and-hs512!";

    private readonly string _directory = Directory.CreateTempSubdirectory("chat-process-").FullName;
    private readonly StringBuilder _output = new();
    private Process? _process;

    public int Port { get; } = ServerProcess.FreeLoopbackPort();

    /// <summary>
    /// The folder of a published build (<see cref="PublishedBuild"/>) to run as deployed: from that folder, with
    /// <c>ASPNETCORE_ENVIRONMENT=Production</c>, over plain HTTP as behind a TLS-terminating proxy (clients send
    /// <c>X-Forwarded-Proto: https</c>). Null runs the build output beside this assembly in Development.
    /// </summary>
    public string? PublishedDirectory { get; init; }

    /// <summary>CPUs the process may run on, in <c>taskset -c</c>'s list form (e.g. "0"); null for all.</summary>
    public string? Cores { get; init; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public string DatabasePath => Path.Combine(_directory, "chat.db");

    /// <summary>The running process (for its CPU time and memory), once started.</summary>
    public Process Process => _process ?? throw new InvalidOperationException("not started");

    /// <summary>What the process printed, for failure messages.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public async Task StartAsync()
    {
        var site = Path.Combine(PublishedDirectory ?? AppContext.BaseDirectory, "WebApp.dll");
        // taskset execs the command, so the process (its id, CPU time and memory) is the site's own.
        var start = new ProcessStartInfo(Cores is null ? "dotnet" : "taskset", Cores is null ? [site] : ["-c", Cores, "dotnet", site])
        {
            // A published site finds its wwwroot and static asset manifest in its content root, the working directory.
            WorkingDirectory = PublishedDirectory ?? _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = PublishedDirectory is null ? "Development" : "Production";
        start.Environment["ASPNETCORE_URLS"] = BaseAddress.ToString().TrimEnd('/');
        start.Environment["ConnectionStrings__Default"] = $"Data Source={DatabasePath}";
        start.Environment["Jwt__SigningKey"] = SigningKey;
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key.Replace(":", "__")] = value;
        }
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, line) => { lock (_output) _output.AppendLine(line.Data); };
        _process.ErrorDataReceived += (_, line) => { lock (_output) _output.AppendLine(line.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        // In Production the home page answers plain HTTP only from behind a TLS proxy.
        http.DefaultRequestHeaders.Add(BehindTlsProxyHandler.ForwardedProto, "https");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit(); // lets the output readers finish, so the message holds the site's last words
                throw new InvalidOperationException($"the site exited at start:\n{Output}");
            }
            try
            {
                if ((await http.GetAsync("/")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the site did not start within 60 s:\n{Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>The exit code of the process last started, once it has exited (0 is a clean stop; 134 an abort).</summary>
    public int ExitCode => Process.HasExited ? Process.ExitCode : throw new InvalidOperationException("still running");

    /// <summary>
    /// What an orchestrator does on a normal stop: SIGTERM, then wait (up to 30 s) for the site to finish.
    /// Returns the exit code; <see cref="Output"/> then holds everything the site printed.
    /// </summary>
    public async Task<int> StopGracefullyAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process!.Id.ToString()])) await kill.WaitForExitAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(patience.Token);
        _process.WaitForExit(); // lets the output readers finish, so Output holds the site's last words
        return _process.ExitCode;
    }

    /// <summary>A crash: the process is gone at once, with no chance to close anything.</summary>
    public async Task KillAsync()
    {
        _process!.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false }) await KillAsync();
        _process?.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
