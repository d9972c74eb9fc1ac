using System.Diagnostics;

namespace WebApp.Bench;

/// <summary>
/// Server and load generator on different CPUs, so neither takes the other's time: the server (the site or the bare
/// peer) on CPU 0, this process and its receiver processes on the rest. Done with util-linux <c>taskset</c>, which
/// execs the command (the child keeps its process id) and, with <c>-a -p</c>, re-pins every thread of a running process.
/// </summary>
/// <param name="ServerCores">The server's CPUs in <c>taskset -c</c> list form.</param>
/// <param name="GeneratorCores">The load generator's CPUs, same form.</param>
public sealed record CorePinning(string ServerCores, string GeneratorCores)
{
    private const string Taskset = "/usr/bin/taskset";

    /// <summary>The pinning for this machine, or null when not asked for, with fewer than two cores, or without taskset.</summary>
    public static CorePinning? For(BenchOptions options) =>
        options.Pin && Environment.ProcessorCount >= 2 && File.Exists(Taskset)
            ? new("0", Environment.ProcessorCount == 2 ? "1" : $"1-{Environment.ProcessorCount - 1}")
            : null;

    public string Description => $"server pinned to CPU {ServerCores}, load generator to CPU {GeneratorCores}";

    /// <summary>Pins every thread of this process (threads started later inherit it from the thread that starts them).</summary>
    /// <exception cref="InvalidOperationException">taskset failed.</exception>
    public async Task PinThisProcessAsync() =>
        await HostCommands.RunOrThrowAsync(new ProcessStartInfo(Taskset, ["-a", "-c", "-p", GeneratorCores, Environment.ProcessId.ToString()]));

    /// <summary>A command run on <paramref name="cores"/> (all CPUs when null).</summary>
    public static ProcessStartInfo Command(string? cores, string fileName, IEnumerable<string> arguments) =>
        cores is null ? new ProcessStartInfo(fileName, arguments) : new ProcessStartInfo(Taskset, ["-c", cores, fileName, .. arguments]);
}
