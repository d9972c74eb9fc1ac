using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Security;

/// <summary>
/// The categories held back so that no credential is logged (handler arguments, route matching, malformed request
/// lines) are floors: an operator's quieter configuration still applies to them.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class LogLevelTests(ChatServer server)
{
    [Fact]
    public async Task Held_categories_log_no_more_than_the_configuration_asks()
    {
        using var visitor = server.NewVisitor();
        await visitor.RegisterAsync();
        await visitor.Http.GetAsync("/Identity/Account/Manage");

        // The configuration keeps Microsoft.AspNetCore at Warning; these categories must not log below it.
        Assert.DoesNotContain(server.Logs.Lines, line => line.StartsWith("Debug Microsoft.AspNetCore.Mvc", StringComparison.Ordinal)
            || line.StartsWith("Debug Microsoft.AspNetCore.Routing", StringComparison.Ordinal)
            || line.StartsWith("Information Microsoft.AspNetCore.Mvc", StringComparison.Ordinal));
    }
}
