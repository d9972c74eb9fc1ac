using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.UI.Services;
using Microsoft.Extensions.Options;
using WebApp.Data;

namespace WebApp.Email;

public static class EmailExtensions
{
    /// <summary>
    /// The mail sender (<see cref="EmailOptions"/>, validated at start) as Identity's <see cref="IEmailSender"/> and
    /// <see cref="IEmailSender{TUser}"/>, and one log line at start saying where mail goes. Call before
    /// <c>AddDefaultIdentity</c>, whose no-op sender is only added when none is there.
    /// </summary>
    public static IServiceCollection AddEmail(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddOptions<EmailOptions>()
            .BindConfiguration(EmailOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(provider => EmailDelivery.For(provider.GetRequiredService<IOptions<EmailOptions>>().Value, environment));
        services.AddSingleton<EmailSender>();
        services.AddSingleton<IEmailSender>(provider => provider.GetRequiredService<EmailSender>());
        services.AddSingleton<AccountEmails>();
        services.AddSingleton<IEmailSender<AppUser>>(provider => provider.GetRequiredService<AccountEmails>());
        services.AddHostedService<EmailDeliveryReport>();
        return services;
    }
}

/// <summary>Logs once at start where mail goes, so an operator sees a missing sender, and a developer the .eml folder.</summary>
internal sealed class EmailDeliveryReport(EmailDelivery delivery, IOptions<EmailOptions> options, ILogger<EmailDeliveryReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var smtp = options.Value.Smtp;
        switch (delivery.Mode)
        {
            case EmailDeliveryMode.Smtp:
                logger.LogInformation("Mail goes to the SMTP server {Host}:{Port} ({Security}, {Authentication})",
                    smtp.Host, smtp.Port, smtp.Security, string.IsNullOrEmpty(smtp.UserName) ? "no authentication" : "with authentication");
                break;
            case EmailDeliveryMode.PickupDirectory:
                logger.LogInformation("No SMTP server configured (Email:Smtp:Host): each mail is written as an .eml file to {PickupDirectory}",
                    delivery.PickupDirectory);
                break;
            default:
                logger.LogWarning("No SMTP server configured (Email:Smtp:Host): password reset, email change and email confirmation are turned off");
                break;
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
