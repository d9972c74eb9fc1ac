using System.Net.Security;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.AspNetCore.Identity.UI.Services;
using Microsoft.Extensions.Options;
using MimeKit;

namespace WebApp.Email;

/// <summary>
/// Sends one mail through MailKit: to the SMTP server of <c>Email:Smtp</c>, or in Development without one, as an
/// .eml file in the pickup folder. Also Identity's <see cref="IEmailSender"/> (an HTML body only).
/// </summary>
/// <remarks>
/// A mail that cannot be sent (server down or refusing, TLS or authentication failing, the timeout passing) is logged
/// as a warning naming the server, the subject and the error, never the body (it holds the link and its token) nor
/// a credential, and surfaces as <see cref="EmailNotSentException"/>, which pages turn into a message to the person.
/// </remarks>
public sealed class EmailSender(
    IOptions<EmailOptions> options, EmailDelivery delivery, TimeProvider time, ILogger<EmailSender> logger,
    SmtpServerCertificateValidation? certificateValidation = null) : IEmailSender
{
    /// <summary>Sent by the site when none is configured (Development's pickup folder only).</summary>
    public const string DevelopmentFrom = "Chat <chat@localhost>";

    public Task SendEmailAsync(string email, string subject, string htmlMessage) => SendAsync(email, subject, htmlMessage, textBody: null);

    /// <summary>Sends a mail with an HTML body and, when given, a plain-text alternative (multipart/alternative).</summary>
    /// <exception cref="EmailNotSentException">The mail could not be handed over or written; the reason is logged.</exception>
    public async Task SendAsync(string to, string subject, string htmlBody, string? textBody, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(string.IsNullOrWhiteSpace(settings.From) ? DevelopmentFrom : settings.From));
        message.To.Add(new MailboxAddress("", to));
        message.Subject = subject;
        message.Date = time.GetUtcNow();
        message.Body = new BodyBuilder { HtmlBody = htmlBody, TextBody = textBody }.ToMessageBody();

        switch (delivery.Mode)
        {
            case EmailDeliveryMode.Smtp:
                await SendBySmtpAsync(settings.Smtp, message, cancellationToken);
                break;
            case EmailDeliveryMode.PickupDirectory:
                await WriteToPickupDirectoryAsync(message, cancellationToken);
                break;
            default:
                logger.LogWarning("Mail \"{Subject}\" not sent: no sender is configured (Email:Smtp:Host)", subject);
                throw new EmailNotSentException("no mail sender is configured");
        }
    }

    private async Task SendBySmtpAsync(SmtpOptions smtp, MimeMessage message, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(smtp.Timeout);
        using var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        // Only tests register one (to trust their throwaway certificate); otherwise MailKit validates the server's
        // certificate against the system's trust store, with revocation checks.
        if (certificateValidation is not null) client.ServerCertificateValidationCallback = certificateValidation.Callback;
        try
        {
            await client.ConnectAsync(smtp.Host!, smtp.Port, smtp.Security switch
            {
                SmtpSecurity.None => SecureSocketOptions.None,
                SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.StartTls,
            }, timeout.Token);
            if (!string.IsNullOrEmpty(smtp.UserName)) await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", timeout.Token);
            await client.SendAsync(message, timeout.Token);
            await client.DisconnectAsync(quit: true, timeout.Token);
            logger.LogInformation("Mail \"{Subject}\" handed to {Host}:{Port} ({Security})", message.Subject, smtp.Host, smtp.Port, smtp.Security);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // MailKit's messages name the step and the server's reply (e.g. "535: 5.7.8 authentication failed"),
            // never the password or the message body.
            var reason = exception is OperationCanceledException ? $"no answer within {smtp.Timeout}" : $"{exception.GetType().Name}: {exception.Message}";
            logger.LogWarning("Mail \"{Subject}\" not sent to {Host}:{Port} ({Security}): {Reason}", message.Subject, smtp.Host, smtp.Port, smtp.Security, reason);
            throw new EmailNotSentException(reason, exception);
        }
    }

    private async Task WriteToPickupDirectoryAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var path = Path.Combine(delivery.PickupDirectory!, $"{time.GetUtcNow():yyyyMMdd'T'HHmmssfff}-{Guid.NewGuid():N}.eml");
        try
        {
            Directory.CreateDirectory(delivery.PickupDirectory!);
            await message.WriteToAsync(path, cancellationToken);
            logger.LogInformation("Mail \"{Subject}\" written to {Path}", message.Subject, path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Mail \"{Subject}\" not written to {Directory}: {Reason}", message.Subject, delivery.PickupDirectory, exception.Message);
            throw new EmailNotSentException(exception.Message, exception);
        }
    }
}

/// <summary>A mail could not be sent; the reason (no credential, no body) is in <see cref="Exception.Message"/> and already logged.</summary>
public sealed class EmailNotSentException(string reason, Exception? inner = null) : Exception(reason, inner)
{
    /// <summary>What a person is told when a mail they asked for could not be sent.</summary>
    public const string PersonMessage = "We could not send the email just now. Please try again in a few minutes; if it keeps failing, ask an administrator.";
}

/// <summary>
/// Decides whether the SMTP server's certificate is accepted, in place of MailKit's validation against the system
/// trust store. The site never registers one; tests do, to accept exactly their throwaway certificate.
/// </summary>
public sealed record SmtpServerCertificateValidation(RemoteCertificateValidationCallback Callback);
