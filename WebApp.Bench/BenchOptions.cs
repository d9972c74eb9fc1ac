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

    public static BenchOptions Parse(string[] args)
    {
        if (args.Length == 0 || !Scenarios.Contains(args[0]))
        {
            throw new ArgumentException($"usage: <{string.Join("|", Scenarios)}> [--clients N] [--senders N] [--messages N] " +
                "[--rate N] [--seconds N] [--users N] [--concurrency N] [--instances N] [--database sqlite|postgres] [--processes N] [--path /PATH] [--heap-types N] [--json PATH]");
        }
        var options = new BenchOptions { Scenario = args[0] };
        for (var i = 1; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
            var value = args[i + 1];
            options = args[i] switch
            {
                "--clients" => options with { Clients = Positive(args[i], value) },
                "--senders" => options with { Senders = Positive(args[i], value) },
                "--messages" => options with { Messages = Positive(args[i], value) },
                "--rate" => options with { Rate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--seconds" => options with { Seconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--users" => options with { Users = Positive(args[i], value) },
                "--concurrency" => options with { Concurrency = Positive(args[i], value) },
                "--instances" => options with { Instances = Positive(args[i], value) },
                "--processes" => options with { Processes = Positive(args[i], value) },
                "--heap-types" => options with { HeapTypes = Positive(args[i], value) },
                "--path" => options with { Path = value.StartsWith('/') ? value : throw new ArgumentException("--path starts with /") },
                "--database" => options with { Database = value is "sqlite" or "postgres" ? value : throw new ArgumentException("--database is sqlite or postgres") },
                "--json" => options with { JsonPath = value },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (options.Senders > options.Clients) throw new ArgumentException("--senders cannot exceed --clients");
        if (options.Instances > 1) options = options with { Database = "postgres" };
        return options;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, out var number) && number > 0 ? number : throw new ArgumentException($"{name} must be a positive whole number");
}
