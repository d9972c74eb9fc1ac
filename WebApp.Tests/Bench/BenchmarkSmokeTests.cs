using WebApp.Bench;

namespace WebApp.Tests.Bench;

/// <summary>
/// A few seconds of each benchmark scenario against the real site process, so the tool keeps working. These check
/// that the figures are complete and consistent (nothing lost, everything stored), never how fast anything was:
/// speed is for the benchmark's own runs.
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
        Assert.Equal("2 instances on postgres with Redis", fanout.Deployment);
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
    public async Task Persist_counts_only_what_the_database_holds()
    {
        var result = await RunAsync("persist");

        Assert.Equal(30, result["acknowledged"]);
        Assert.Equal(30, result["stored in the database"]);
    }

    [Fact]
    public async Task Connect_page_and_idle_report_their_figures()
    {
        var connect = await RunAsync("connect");
        var page = await RunAsync("page");
        var idle = await RunAsync("idle");

        Assert.True(connect["upgrades"] > 0 && connect["token mints"] > 0);
        Assert.True(page["renders"] > 0);
        Assert.Equal(0, page["failed requests"]);
        Assert.Equal(6, idle["open sockets"]);
        Assert.True(idle["server RSS with sockets"] > 0);
        Assert.True(idle["managed heap with sockets"] > 0);
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse([]));
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["fanout", "--senders", "5", "--clients", "2"]));
        Assert.Equal(1000, BenchOptions.Parse(["connect", "--clients", "1000"]).Clients);
    }
}
