using System.Diagnostics;

namespace WebApp.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster in a temporary directory, on a free loopback port, trusting every local connection
/// as the superuser "postgres". Durability is off (fsync=off): the cluster lives only as long as the test run.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string OsUser = "postgres";

    private readonly string _directory = CreateDirectoryPostgresCanReach();
    private string _binDirectory = "";
    private ServerProcess? _process;

    public int Port { get; } = ServerProcess.FreeLoopbackPort();

    private string DataDirectory => Path.Combine(_directory, "data");
    private string SocketDirectory => Path.Combine(_directory, "socket");

    /// <summary>The app creates <paramref name="database"/> itself when it migrates.</summary>
    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database}";

    public async Task StartAsync()
    {
        if (_process is not null) throw new InvalidOperationException($"postgres is already running on port {Port}.");
        _binDirectory = FindBinDirectory() ?? await InstallAsync();
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION"))) await CreateClusterAsync();

        var process = new ServerProcess(AsPostgresUser("postgres",
            "-D", DataDirectory, "-p", Port.ToString(), "-k", SocketDirectory,
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"));
        await process.WaitUntilReadyAsync(IsReadyAsync, $"postgres on port {Port}");
        _process = process;
    }

    public async Task StopAsync()
    {
        if (_process is null) return;
        // Killing the postmaster would leak its System V shared memory segment; even an immediate shutdown frees it.
        await HostCommands.RunAsync(AsPostgresUser("pg_ctl", "stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "10"));
        await _process.StopAsync();
        _process = null;
    }

    /// <summary>Whether the port takes a TCP connection and pg_isready says the server accepts sessions.</summary>
    public async Task<bool> IsReadyAsync()
    {
        // A listening postmaster still refuses sessions while it starts up, hence pg_isready after the cheap probe.
        if (!await ServerProcess.AcceptsTcpAsync(Port)) return false;
        var probe = await HostCommands.RunAsync(new ProcessStartInfo(Path.Combine(_binDirectory, "pg_isready"),
            ["-h", "127.0.0.1", "-p", Port.ToString(), "-U", "postgres", "-t", "2"]));
        return probe.ExitCode == 0;
    }

    /// <summary>Runs <paramref name="sql"/> through psql over TCP; returns its unaligned, header-less output.</summary>
    public async Task<string> RunSqlAsync(string sql, string database = "postgres")
    {
        var psql = new ProcessStartInfo(Path.Combine(_binDirectory, "psql"),
            ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", Port.ToString(), "-U", "postgres", "-d", database, "-c", sql]);
        psql.Environment["PGCONNECT_TIMEOUT"] = "5";
        return (await HostCommands.RunOrThrowAsync(psql)).Trim();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private async Task CreateClusterAsync()
    {
        Directory.CreateDirectory(SocketDirectory);
        if (RunsAsRoot) await HostCommands.RunOrThrowAsync(new ProcessStartInfo("chown", ["-R", $"{OsUser}:", _directory]));
        // UTF8 whatever the machine's locale: a container without LANG would otherwise get SQL_ASCII.
        await HostCommands.RunOrThrowAsync(AsPostgresUser("initdb",
            "-D", DataDirectory, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"));
    }

    private static bool RunsAsRoot => Environment.UserName == "root";

    /// <summary>initdb and postgres refuse to run as root, so as root they run as the postgres OS user.</summary>
    private ProcessStartInfo AsPostgresUser(string program, params string[] arguments)
    {
        var executable = Path.Combine(_binDirectory, program);
        return new ProcessStartInfo(RunsAsRoot ? "runuser" : executable, RunsAsRoot ? ["-u", OsUser, "--", executable, .. arguments] : arguments)
        {
            // The test host's own directory may be closed to the postgres user.
            WorkingDirectory = _directory,
        };
    }

    /// <summary>The newest installed server's bin directory, such as /usr/lib/postgresql/15/bin.</summary>
    private static string? FindBinDirectory() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Where(version => File.Exists(Path.Combine(version, "bin", "initdb")))
                .OrderByDescending(version => int.TryParse(Path.GetFileName(version), out var number) ? number : 0)
                .Select(version => Path.Combine(version, "bin"))
                .FirstOrDefault()
            : null;

    private static async Task<string> InstallAsync()
    {
        await HostCommands.InstallDebianPackageAsync("postgresql", () => FindBinDirectory() is not null);
        return FindBinDirectory()!;
    }

    /// <summary>
    /// A new directory under the temporary folder, or under /tmp when a parent of that folder (say /root/tmp)
    /// is closed to other users: the postgres user must be able to walk down to its data directory.
    /// </summary>
    private static string CreateDirectoryPostgresCanReach()
    {
        var parent = Path.GetTempPath();
        for (var directory = new DirectoryInfo(parent); directory is not null; directory = directory.Parent)
        {
            if (!directory.UnixFileMode.HasFlag(UnixFileMode.OtherExecute)) parent = "/tmp";
        }
        return Directory.CreateDirectory(Path.Combine(parent, $"postgres-tests-{Guid.NewGuid():N}")).FullName;
    }
}
