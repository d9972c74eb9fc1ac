using Microsoft.Extensions.Options;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Email;

/// <summary>Email settings are checked at start: a mistake stops the site with a message naming the key, never the password.</summary>
public sealed class EmailOptionsTests
{
    public const string Password = "a-password-the-error-must-not-show-91c2";

    public static TheoryData<string, Dictionary<string, string>> BadSettings => new()
    {
        { "Email:From is required", new() { ["Email:Smtp:Host"] = "smtp.example.test", ["Email:Smtp:Password"] = Password, ["Email:Smtp:UserName"] = "u" } },
        { "Email:From is not a mail address", new() { ["Email:From"] = "not a mailbox <", ["Email:Smtp:Host"] = "smtp.example.test" } },
        { "Email:Smtp:Port must be between", new() { ["Email:From"] = "chat@example.test", ["Email:Smtp:Host"] = "smtp.example.test", ["Email:Smtp:Port"] = "70000" } },
        { "set together or not at all", new() { ["Email:From"] = "chat@example.test", ["Email:Smtp:Host"] = "smtp.example.test", ["Email:Smtp:Password"] = Password } },
        { "Email:SiteUrl must be an absolute", new() { ["Email:SiteUrl"] = "chat.example.test" } },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_email_setting_stops_the_start_with_a_message_naming_it(string expected, Dictionary<string, string> settings)
    {
        await using var site = new ConfiguredProductionChatServer(settings);

        var failure = await Assert.ThrowsAnyAsync<Exception>(((IAsyncLifetime)site).InitializeAsync);

        var validation = Assert.IsType<OptionsValidationException>(Flatten(failure).OfType<OptionsValidationException>().FirstOrDefault(), exactMatch: false);
        Assert.Contains(expected, validation.Message);
        Assert.DoesNotContain(Password, failure.ToString());
    }

    private static IEnumerable<Exception> Flatten(Exception exception)
    {
        yield return exception;
        var inner = exception is AggregateException aggregate ? aggregate.InnerExceptions : exception.InnerException is { } one ? [one] : [];
        foreach (var child in inner.SelectMany(Flatten)) yield return child;
    }
}
