using System.Globalization;

namespace WebApp.Bench;

/// <summary>What to run: a scenario and its parameters, from <c>scenario --name value …</c>.</summary>
public sealed record BenchOptions
{
    public static readonly string[] Scenarios = ["connect", "fanout", "idle", "persist", "page"];

    public string Scenario { get; init; } = "fanout";

    /// <summary>Sockets (connect, fanout, idle) or rooms with one sender each (persist).</summary>
    public int Clients { get; init; } = 200;

    /// <summary>Sockets that send in fanout (the first ones of the room).</summary>
    public int Senders { get; init; } = 1;

    /// <summary>Messages each sender sends (fanout, persist).</summary>
    public int Messages { get; init; } = 200;

    /// <summary>Messages per second per sender; 0 sends flat out.</summary>
    public double Rate { get; init; }

    /// <summary>How long idle sockets stay open, or pages are requested.</summary>
    public double Seconds { get; init; } = 10;

    /// <summary>Accounts the sockets are spread over (registering costs a password hash each).</summary>
    public int Users { get; init; } = 10;

    /// <summary>Upgrades or page requests in flight at once.</summary>
    public int Concurrency { get; init; } = 32;

    /// <summary>Instances of the site; more than one share PostgreSQL and Redis (both started by the tool).</summary>
    public int Instances { get; init; } = 1;

    /// <summary>
    /// What the page scenario requests instead of the room page, e.g. <c>/healthz</c>: the cheapest request through the
    /// same middleware, to show what this machine's Kestrel costs per request.
    /// </summary>
    public string? Path { get; init; }

    /// <summary>With idle: also take a heap dump of the server before and with the sockets, and list this many types by bytes per socket.</summary>
    public int HeapTypes { get; init; }

    /// <summary>Load generator processes for fanout: members other than the senders are dealt out over them.</summary>
    public int Processes { get; init; } = 1;

    /// <summary><c>sqlite</c> (one instance only) or <c>postgres</c>.</summary>
    public string Database { get; init; } = "sqlite";

    public string? JsonPath { get; init; }

    /// <summary>
    /// <c>bare</c>: after the site, run the same workload against the calibration peer (<see cref="BareServer"/>) and
    /// print both rows and their ratios (fanout and connect only).
    /// </summary>
    public string? Against { get; init; }

    /// <summary>Fanout room sizes to sweep (members), each run like <c>--clients</c>; null runs <see cref="Clients"/> once.</summary>
    public int[]? Sizes { get; init; }

    /// <summary>
    /// Server on CPU 0 and load generator on the others (<c>taskset</c>), when the machine has two cores or more. On by
    /// default from the command line (<c>--pin off</c> turns it off); off for in-process callers such as the smoke tests,
    /// which must not pin the test host.
    /// </summary>
    public bool Pin { get; init; }

    /// <summary>The command line's shape, printed with every refusal and by <c>--help</c>.</summary>
    public static string Usage =>
        $"usage: <{string.Join("|", Scenarios)}> [--clients N] [--senders N] [--messages N] " +
        "[--rate N] [--seconds N] [--users N] [--concurrency N] [--instances N] [--database sqlite|postgres] [--processes N] [--path /PATH] " +
        "[--heap-types N] [--against bare] [--sizes N,N,...] [--pin on|off] [--json PATH]";

    /// <summary>True for <c>--help</c>, <c>-h</c> or <c>help</c> anywhere on the command line.</summary>
    public static bool AsksForHelp(string[] args) => args.Any(arg => arg is "--help" or "-h" or "help");

    /// <summary>Reads a command line: the scenario first, then <c>--option value</c> pairs.</summary>
    /// <exception cref="ArgumentException">Anything missing, unknown or out of range; the message says what and gives <see cref="Usage"/> where the scenario is the problem.</exception>
    public static BenchOptions Parse(string[] args)
    {
        if (args.Length == 0) throw new ArgumentException($"name a scenario\n{Usage}");
        if (!Scenarios.Contains(args[0]))
        {
            throw new ArgumentException($"unknown scenario '{args[0]}': one of {string.Join(", ", Scenarios)}\n{Usage}");
        }
        var options = new BenchOptions { Scenario = args[0], Pin = true };
        for (var i = 1; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
            var value = args[i + 1];
            options = args[i] switch
            {
                "--clients" => options with { Clients = Positive(args[i], value) },
                "--senders" => options with { Senders = Positive(args[i], value) },
                "--messages" => options with { Messages = Positive(args[i], value) },
                "--rate" => options with { Rate = Number(args[i], value, allowZero: true) },
                "--seconds" => options with { Seconds = Number(args[i], value, allowZero: false) },
                "--users" => options with { Users = Positive(args[i], value) },
                "--concurrency" => options with { Concurrency = Positive(args[i], value) },
                "--instances" => options with { Instances = Positive(args[i], value) },
                "--processes" => options with { Processes = Positive(args[i], value) },
                "--heap-types" => options with { HeapTypes = Positive(args[i], value) },
                "--path" => options with { Path = value.StartsWith('/') ? value : throw new ArgumentException("--path starts with /") },
                "--database" => options with { Database = value is "sqlite" or "postgres" ? value : throw new ArgumentException("--database is sqlite or postgres") },
                "--json" => options with { JsonPath = value },
                "--against" => options with { Against = value == "bare" ? value : throw new ArgumentException("--against takes bare") },
                "--sizes" => options with { Sizes = [.. value.Split(',').Select(size => Positive(args[i], size))] },
                "--pin" => options with { Pin = value switch { "on" => true, "off" => false, _ => throw new ArgumentException("--pin is on or off") } },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (options.Senders > options.Clients && options.Sizes is null) throw new ArgumentException("--senders cannot exceed --clients");
        if (options.Against is not null && options.Scenario is not ("fanout" or "connect")) throw new ArgumentException("--against works with fanout and connect");
        if (options.Sizes is not null && options.Scenario != "fanout") throw new ArgumentException("--sizes works with fanout");
        if (options.Instances > 1) options = options with { Database = "postgres" };
        return options;
    }

    /// <summary>These options for a room of <paramref name="size"/> members (senders capped at the room's size).</summary>
    public BenchOptions ForSize(int size) => this with { Clients = size, Senders = Math.Min(Senders, size) };

    /// <summary>A finite decimal number (invariant culture, "2.5"), above zero or, with <paramref name="allowZero"/>, zero too.</summary>
    private static double Number(string name, string value, bool allowZero) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) && (number > 0 || (allowZero && number == 0))
            ? number
            : throw new ArgumentException($"{name} must be a number {(allowZero ? "of 0 or more" : "above 0")}, such as 2.5");

    private static int Positive(string name, string value) =>
        int.TryParse(value, out var number) && number > 0 ? number : throw new ArgumentException($"{name} must be a positive whole number");
}
