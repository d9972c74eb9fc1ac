using System.Globalization;
using System.Text.Json;

namespace WebApp.Bench;

public sealed record Metric(string Name, double Value, string Unit);

public sealed class BenchResult(BenchOptions options)
{
    public BenchOptions Options { get; } = options;
    public List<Metric> Metrics { get; } = [];
    public List<string> Notes { get; } = [];
    public string Deployment { get; init; } = "";

    public double this[string name] => Metrics.First(m => m.Name == name).Value;

    public void Add(string name, double value, string unit = "") => Metrics.Add(new Metric(name, value, unit));

    public void PrintTable(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"scenario: {Options.Scenario}   clients={Options.Clients} senders={Options.Senders} messages={Options.Messages} " +
            $"rate={(Options.Rate > 0 ? Options.Rate.ToString(CultureInfo.InvariantCulture) : "flat-out")} seconds={Options.Seconds} " +
            $"users={Options.Users} concurrency={Options.Concurrency}");
        output.WriteLine($"site: {Deployment}");
        var width = Metrics.Max(m => m.Name.Length);
        output.WriteLine($"| {"metric".PadRight(width)} | {"value",14} | unit       |");
        output.WriteLine($"|-{new string('-', width)}-|-{new string('-', 14)}-|------------|");
        foreach (var metric in Metrics)
        {
            output.WriteLine($"| {metric.Name.PadRight(width)} | {Format(metric.Value),14} | {metric.Unit,-10} |");
        }
        foreach (var note in Notes) output.WriteLine($"note: {note}");
    }

    public async Task WriteJsonAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, new
        {
            scenario = Options.Scenario,
            parameters = Options,
            deployment = Deployment,
            machine = new { cores = Environment.ProcessorCount, os = Environment.OSVersion.ToString() },
            metrics = Metrics.ToDictionary(m => m.Name, m => new { m.Value, m.Unit }),
            notes = Notes,
        }, new JsonSerializerOptions { WriteIndented = true });
    }

    private static string Format(double value) =>
        double.IsNaN(value) ? "n/a" : value >= 1000 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture);
}
