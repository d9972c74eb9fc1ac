namespace WebApp.Bench;

/// <summary><c>dotnet run -c Release --project WebApp.Bench -- &lt;scenario&gt; [--clients N] …</c> (see <see cref="BenchOptions"/>).</summary>
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.FirstOrDefault() == ReceiverProcess.Mode) return await ReceiverProcess.RunAsync(args);
        if (args.FirstOrDefault() == BareServer.Mode) return await BareServer.RunAsync(args);

        if (BenchOptions.AsksForHelp(args))
        {
            Console.WriteLine(BenchOptions.Usage);
            Console.WriteLine("scenarios and options: docs/performance.md");
            return 0;
        }

        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        var result = await Benchmark.RunAsync(options, Console.Out);
        result.PrintTable(Console.Out);
        var json = options.JsonPath ?? Path.Combine("bench-results", $"{options.Scenario}.json");
        await result.WriteJsonAsync(json);
        Console.WriteLine($"figures written to {json}");
        return 0;
    }
}
