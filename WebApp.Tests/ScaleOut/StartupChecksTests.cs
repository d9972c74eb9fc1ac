
namespace WebApp.Tests.ScaleOut;

/// <summary>Scale-out settings that cannot work stop the site at start, with a message naming what is missing.</summary>
public sealed class StartupChecksTests
{
    [Fact]
    public async Task Redis_without_a_signing_key_refuses_to_start()
    {
        var output = await StartFailureAsync(new() { ["ConnectionStrings:Redis"] = "127.0.0.1:1,abortConnect=false", ["Jwt:SigningKey"] = "" });
        Assert.Contains("Jwt:SigningKey", output);
    }

    [Fact]
    public async Task Postgres_without_a_connection_string_refuses_to_start()
    {
        var output = await StartFailureAsync(new() { ["Database:Provider"] = "Postgres" });
        Assert.Contains("ConnectionStrings:Postgres", output);
    }

    private static async Task<string> StartFailureAsync(Dictionary<string, string> settings)
    {
        await using var site = new SiteProcess(settings);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(site.StartAsync);
        return failure.Message;
    }
}
