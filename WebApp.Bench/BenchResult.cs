using System.Globalization;
using System.Text.Json;

namespace WebApp.Bench;

public sealed record Metric(string Name, double Value, string Unit);

/// <summary>A figure divided by its calibration (e.g. the site's deliveries/s by the bare peer's), with the issue's target.</summary>
public sealed record Ratio(string Name, double Value, string Target);

/// <summary>
/// The figures of one run: the site's metrics, and with <c>--against bare</c> the bare peer's for the same workload
/// (<see cref="Bare"/>) and their <see cref="Ratios"/>; with <c>--sizes</c>, one such pair per room size in
/// <see cref="Sizes"/> (this result is the first size's).
/// </summary>
public sealed class BenchResult(BenchOptions options)
{
    public BenchOptions Options { get; } = options;
    public List<Metric> Metrics { get; } = [];
    public List<string> Notes { get; } = [];
    public string Deployment { get; init; } = "";

    /// <summary>The calibration peer's figures for the same workload, when run.</summary>
    public BenchResult? Bare { get; set; }

    public List<Ratio> Ratios { get; } = [];

    /// <summary>One result per room size of a sweep, in the order run.</summary>
    public List<BenchResult> Sizes { get; } = [];

    public double this[string name] => Metrics.First(m => m.Name == name).Value;

    public bool Has(string name) => Metrics.Any(m => m.Name == name);

    public void Add(string name, double value, string unit = "") => Metrics.Add(new Metric(name, value, unit));

    public void AddRatio(string name, double numerator, double denominator, string target) =>
        Ratios.Add(new Ratio(name, denominator == 0 ? double.NaN : numerator / denominator, target));

    public void PrintTable(TextWriter output)
    {
        output.WriteLine();
        var members = Sizes.Count > 1 ? $"sizes={string.Join(',', Sizes.Select(s => s.Options.Clients))}" : $"clients={Options.Clients}";
        output.WriteLine($"scenario: {Options.Scenario}   {members} senders={Options.Senders} messages={Options.Messages} " +
            $"rate={(Options.Rate > 0 ? Options.Rate.ToString(CultureInfo.InvariantCulture) : "flat-out")} seconds={Options.Seconds} " +
            $"users={Options.Users} concurrency={Options.Concurrency} processes={Options.Processes}");
        output.WriteLine($"site: {Deployment}");
        if (Sizes.Count > 1)
        {
            PrintSweep(output);
        }
        else
        {
            PrintMetrics(output);
            PrintRatios(output);
        }
        foreach (var note in Notes) output.WriteLine($"note: {note}");
    }

    private void PrintMetrics(TextWriter output)
    {
        var names = Metrics.Select(m => m.Name).Concat(Bare?.Metrics.Select(m => m.Name) ?? []).Distinct().ToList();
        var width = names.Max(n => n.Length);
        if (Bare is null)
        {
            output.WriteLine($"| {"metric".PadRight(width)} | {"value",14} | unit       |");
            output.WriteLine($"|-{new string('-', width)}-|-{new string('-', 14)}-|------------|");
            foreach (var metric in Metrics) output.WriteLine($"| {metric.Name.PadRight(width)} | {Format(metric.Value),14} | {metric.Unit,-10} |");
            return;
        }
        output.WriteLine($"| {"metric".PadRight(width)} | {"site",14} | {"bare",14} | {"site ÷ bare",11} | unit       |");
        output.WriteLine($"|-{new string('-', width)}-|-{new string('-', 14)}-|-{new string('-', 14)}-|-{new string('-', 11)}-|------------|");
        foreach (var name in names)
        {
            var site = Metrics.FirstOrDefault(m => m.Name == name);
            var bare = Bare.Metrics.FirstOrDefault(m => m.Name == name);
            var ratio = site is not null && bare is not null && bare.Value != 0 ? Format(site.Value / bare.Value) : "";
            output.WriteLine($"| {name.PadRight(width)} | {(site is null ? "-" : Format(site.Value)),14} | {(bare is null ? "-" : Format(bare.Value)),14} | " +
                $"{ratio,11} | {(site ?? bare)!.Unit,-10} |");
        }
    }

    private void PrintRatios(TextWriter output)
    {
        foreach (var ratio in Ratios) output.WriteLine($"ratio: {ratio.Name} = {Format(ratio.Value)} (target {ratio.Target})");
    }

    /// <summary>One line per room size: both servers' deliveries/s, CPU per delivery, losses and closes.</summary>
    private void PrintSweep(TextWriter output)
    {
        output.WriteLine("| members | site deliveries/s | bare deliveries/s | ratio | site CPU/delivery µs | bare CPU/delivery µs | ratio | site lost | bare lost | site closed | bare closed |");
        output.WriteLine("|--------:|------------------:|------------------:|------:|---------------------:|---------------------:|------:|----------:|----------:|------------:|------------:|");
        foreach (var size in Sizes)
        {
            var bare = size.Bare;
            string Of(BenchResult? result, string name) => result is not null && result.Has(name) ? Format(result[name]) : "-";
            string RatioOf(string name) => bare is not null && bare.Has(name) && bare[name] != 0 ? Format(size[name] / bare[name]) : "-";
            output.WriteLine($"| {size.Options.Clients,7} | {Of(size, "deliveries"),17} | {Of(bare, "deliveries"),17} | {RatioOf("deliveries"),5} | " +
                $"{Of(size, "server CPU per delivery"),20} | {Of(bare, "server CPU per delivery"),20} | {RatioOf("server CPU per delivery"),5} | " +
                $"{Of(size, "lost"),9} | {Of(bare, "lost"),9} | {Of(size, "closed by the server"),11} | {Of(bare, "closed by the server"),11} |");
        }
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
            metrics = MetricsOf(this),
            bare = Bare is null ? null : MetricsOf(Bare),
            ratios = Ratios.ToDictionary(r => r.Name, r => new { r.Value, r.Target }),
            sizes = Sizes.Count > 1
                ? Sizes.Select(s => new { members = s.Options.Clients, site = MetricsOf(s), bare = s.Bare is null ? null : MetricsOf(s.Bare) }).ToList()
                : null,
            notes = Notes,
        }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
    }

    private static Dictionary<string, object> MetricsOf(BenchResult result) =>
        result.Metrics.ToDictionary(m => m.Name, m => (object)new { m.Value, m.Unit });

    private static string Format(double value) =>
        double.IsNaN(value) ? "n/a" : value >= 1000 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture);
}
