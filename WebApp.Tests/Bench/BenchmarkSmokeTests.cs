using WebApp.Bench;

namespace WebApp.Tests.Bench;

/// <summary>
/// A few seconds of each benchmark scenario against the real site process (the published build in Production) and,
/// with <c>--against bare</c>, the bare peer, so the tool keeps working. These check that the figures are complete and
/// consistent (both rows, the ratios, nothing lost, everything stored), never how fast anything was: speed is for the
/// benchmark's own runs.
/// </summary>
public sealed class BenchmarkSmokeTests
{
    private static readonly BenchOptions Small = new()
    {
        Clients = 6,
        Senders = 2,
        Messages = 5,
        Seconds = 1,
        Users = 2,
        Concurrency = 4,
    };

    private static Task<BenchResult> RunAsync(string scenario) => Benchmark.RunAsync(Small with { Scenario = scenario }, TextWriter.Null);

    [Fact]
    public async Task Fanout_with_receiver_processes_counts_their_members_too()
    {
        var result = await Benchmark.RunAsync(Small with { Scenario = "fanout", Processes = 2 }, TextWriter.Null);

        Assert.Equal(0, result["lost"]);
        Assert.Equal(0, result["duplicated"]);
        Assert.True(result["busiest generator process"] > 0);
    }

    [Fact]
    public async Task Idle_with_heap_types_reads_the_servers_heap_dump()
    {
        var result = await Benchmark.RunAsync(Small with { Scenario = "idle", HeapTypes = 3 }, TextWriter.Null);

        Assert.True(result["live bytes per socket (heap dump)"] > 0);
        Assert.Equal(3, result.Notes.Count(note => note.StartsWith("per socket:")));
    }

    [Fact]
    public async Task Two_instances_on_postgres_and_redis_deliver_and_store_everything()
    {
        var fanout = await Benchmark.RunAsync(Small with { Scenario = "fanout", Instances = 2, Database = "postgres" }, TextWriter.Null);
        Assert.StartsWith("2 instances on postgres with Redis", fanout.Deployment);
        Assert.Equal(0, fanout["lost"]);
        Assert.Equal(0, fanout["duplicated"]);

        var persist = await Benchmark.RunAsync(Small with { Scenario = "persist", Instances = 2, Database = "postgres" }, TextWriter.Null);
        Assert.Equal(30, persist["stored in the database"]);
    }

    [Fact]
    public async Task Fanout_delivers_every_message_to_every_member_once()
    {
        var result = await RunAsync("fanout");

        Assert.Equal(0, result["lost"]);
        Assert.Equal(0, result["duplicated"]);
        Assert.True(result["deliveries"] > 0);
        Assert.False(double.IsNaN(result["latency p99"]));
    }

    [Fact]
    public async Task Persist_counts_only_what_the_database_holds_and_runs_the_bare_insert_loop_beside_it()
    {
        var result = await RunAsync("persist");

        Assert.Equal(30, result["acknowledged"]);
        Assert.Equal(30, result["stored in the database"]);
        Assert.True(result["bare loop with search triggers"] > 0);
        Assert.True(result["bare loop without search triggers"] > 0);
        Assert.Equal(2, result.Ratios.Count);
        Assert.All(result.Ratios, ratio => Assert.True(ratio.Value > 0));
    }

    [Fact]
    public async Task Connect_and_idle_report_their_figures()
    {
        var connect = await RunAsync("connect");
        var idle = await RunAsync("idle");

        Assert.True(connect["upgrades"] > 0 && connect["token mints"] > 0);
        Assert.Equal(6, idle["open sockets"]);
        Assert.True(idle["server RSS with sockets"] > 0);
        Assert.True(idle["managed heap with sockets"] > 0);
    }

    [Fact]
    public async Task Fanout_against_bare_runs_both_servers_with_the_same_frames_and_prints_their_ratios()
    {
        var result = await Benchmark.RunAsync(Small with { Scenario = "fanout", Against = "bare", Processes = 2 }, TextWriter.Null);

        var bare = Assert.IsType<BenchResult>(result.Bare);
        foreach (var server in new[] { result, bare })
        {
            Assert.Equal(0, server["lost"]);
            Assert.Equal(0, server["duplicated"]);
            Assert.Equal(0, server["closed by the server"]);
            Assert.True(server["deliveries"] > 0);
            Assert.False(double.IsNaN(server["server CPU per delivery"]));
        }
        Assert.Equal(result["frame bytes besides the text"], bare["frame bytes besides the text"]);
        Assert.Equal(["deliveries/s, site ÷ bare", "server CPU per delivery, site ÷ bare"], result.Ratios.Select(r => r.Name));
        Assert.True(result.Ratios[0].Value > 0);
        Assert.Contains("published build in Production", result.Deployment);
    }

    [Fact]
    public async Task Connect_against_bare_compares_upgrades_and_mints_only_on_the_site()
    {
        var result = await Benchmark.RunAsync(Small with { Scenario = "connect", Against = "bare" }, TextWriter.Null);

        var bare = Assert.IsType<BenchResult>(result.Bare);
        Assert.True(result["upgrades"] > 0 && bare["upgrades"] > 0);
        Assert.True(result.Has("token mints"));
        Assert.False(bare.Has("token mints"));
        var ratio = Assert.Single(result.Ratios);
        Assert.Equal("upgrades/s, site ÷ bare", ratio.Name);
        Assert.True(ratio.Value > 0);
    }

    [Fact]
    public async Task A_room_size_sweep_pairs_each_size_with_the_bare_peer()
    {
        var result = await Benchmark.RunAsync(Small with { Scenario = "fanout", Against = "bare", Sizes = [2, 6] }, TextWriter.Null);

        Assert.Equal([2, 6], result.Sizes.Select(size => size.Options.Clients));
        foreach (var size in result.Sizes)
        {
            Assert.Equal(0, size["lost"]);
            Assert.Equal(0, Assert.IsType<BenchResult>(size.Bare)["lost"]);
            Assert.Equal(2, size.Ratios.Count);
        }
        var table = new StringWriter();
        result.PrintTable(table);
        Assert.Contains("| members | site deliveries/s | bare deliveries/s |", table.ToString());
    }

    [Fact]
    public async Task Page_measures_healthz_in_the_same_run_and_divides()
    {
        var page = await RunAsync("page");

        Assert.True(page["renders"] > 0 && page["/healthz requests"] > 0);
        Assert.Equal(0, page["failed requests"]);
        Assert.Equal(0, page["failed /healthz requests"]);
        var ratio = Assert.Single(page.Ratios);
        Assert.Equal("room page renders/s ÷ /healthz requests/s", ratio.Name);
        Assert.True(ratio.Value > 0);
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse([]));
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["fanout", "--senders", "5", "--clients", "2"]));
        Assert.Equal(1000, BenchOptions.Parse(["connect", "--clients", "1000"]).Clients);
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["idle", "--against", "bare"]));
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["fanout", "--against", "signalr"]));
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["connect", "--sizes", "10,100"]));
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["fanout", "--sizes", "10,0"]));
        Assert.Equal([10, 100, 1000], BenchOptions.Parse(["fanout", "--sizes", "10,100,1000", "--senders", "20"]).Sizes!);
        Assert.True(BenchOptions.Parse(["fanout"]).Pin);
        Assert.False(BenchOptions.Parse(["fanout", "--pin", "off"]).Pin);
        Assert.False(new BenchOptions().Pin);
    }

    /// <summary>What a new user mistypes gets a message naming the mistake (the program prints it and exits 2), never a crash.</summary>
    [Theory]
    [InlineData(new[] { "fanot" }, "unknown scenario 'fanot'")]
    [InlineData(new[] { "--clients", "10" }, "unknown scenario '--clients'")]
    [InlineData(new string[0], "name a scenario")]
    [InlineData(new[] { "fanout", "--clients", "abc" }, "--clients must be a positive whole number")]
    [InlineData(new[] { "fanout", "--clients", "-5" }, "--clients must be a positive whole number")]
    [InlineData(new[] { "fanout", "--rate", "abc" }, "--rate must be a number of 0 or more")]
    [InlineData(new[] { "fanout", "--rate", "-1" }, "--rate must be a number of 0 or more")]
    [InlineData(new[] { "fanout", "--rate", "NaN" }, "--rate must be a number of 0 or more")]
    [InlineData(new[] { "page", "--seconds", "0" }, "--seconds must be a number above 0")]
    [InlineData(new[] { "page", "--seconds", "1e999" }, "--seconds must be a number above 0")]
    [InlineData(new[] { "page", "--seconds" }, "--seconds needs a value")]
    [InlineData(new[] { "fanout", "--client", "10" }, "unknown option --client")]
    public void A_mistyped_command_line_is_refused_with_what_is_wrong(string[] args, string message)
    {
        var refusal = Assert.Throws<ArgumentException>(() => BenchOptions.Parse(args));
        Assert.StartsWith(message, refusal.Message);
    }

    [Fact]
    public void Rates_and_seconds_take_decimals_and_help_is_asked_for_anywhere()
    {
        Assert.Equal(2.5, BenchOptions.Parse(["fanout", "--rate", "2.5"]).Rate);
        Assert.Equal(0, BenchOptions.Parse(["fanout", "--rate", "0"]).Rate);
        Assert.Equal(0.5, BenchOptions.Parse(["page", "--seconds", "0.5"]).Seconds);
        Assert.True(BenchOptions.AsksForHelp(["--help"]));
        Assert.True(BenchOptions.AsksForHelp(["fanout", "-h"]));
        Assert.False(BenchOptions.AsksForHelp(["fanout", "--clients", "10"]));
    }
}
