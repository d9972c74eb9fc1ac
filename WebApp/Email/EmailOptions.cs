using System.ComponentModel.DataAnnotations;
using MimeKit;

namespace WebApp.Email;

/// <summary>
/// How the site sends the mail accounts need (password reset, email confirmation, email change), bound from the
/// <c>Email</c> section. With <see cref="SmtpOptions.Host"/> set, mail goes to that SMTP server; without it,
/// Development writes each mail as an <c>.eml</c> file to <see cref="PickupDirectory"/> and every other environment
/// sends nothing and turns those flows off (see <see cref="EmailDelivery"/>).
/// </summary>
public sealed class EmailOptions : IValidatableObject
{
    public const string Section = "Email";

    /// <summary>The sender of every mail, an RFC 5322 mailbox ("Chat &lt;chat@example.org&gt;" or "chat@example.org"); required with an SMTP host.</summary>
    public string? From { get; set; }

    /// <summary>
    /// The site's public address (absolute http or https URL, e.g. "https://chat.example.org/") that links in mail
    /// start with. Empty: the address of the request that caused the mail, which is only safe when AllowedHosts
    /// names the site's host names (otherwise a forged Host header would choose where a reset link points).
    /// </summary>
    public string? SiteUrl { get; set; }

    /// <summary>
    /// Development only, without an SMTP host: the folder each mail is written to as an .eml file, absolute or
    /// relative to the content root. Default "App_Data/mail".
    /// </summary>
    public string PickupDirectory { get; set; } = Path.Combine("App_Data", "mail");

    public SmtpOptions Smtp { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(From) && !MailboxAddress.TryParse(From, out _))
        {
            yield return new ValidationResult("Email:From is not a mail address (e.g. \"Chat <chat@example.org>\").", [nameof(From)]);
        }
        if (!string.IsNullOrWhiteSpace(SiteUrl)
            && !(Uri.TryCreate(SiteUrl, UriKind.Absolute, out var site) && (site.Scheme == Uri.UriSchemeHttps || site.Scheme == Uri.UriSchemeHttp)))
        {
            yield return new ValidationResult("Email:SiteUrl must be an absolute http or https URL (e.g. https://chat.example.org/).", [nameof(SiteUrl)]);
        }
        if (!Smtp.IsConfigured) yield break;
        if (string.IsNullOrWhiteSpace(From))
        {
            yield return new ValidationResult("Email:From is required when Email:Smtp:Host is set: mail needs a sender.", [nameof(From)]);
        }
        // Nested objects are not validated by ValidateDataAnnotations, so the SMTP section's rules are checked here.
        var smtpResults = new List<ValidationResult>();
        Validator.TryValidateObject(Smtp, new ValidationContext(Smtp), smtpResults, validateAllProperties: true);
        foreach (var result in smtpResults) yield return result;
        // The password is never echoed: only whether each half of the pair is there.
        if (string.IsNullOrEmpty(Smtp.UserName) != string.IsNullOrEmpty(Smtp.Password))
        {
            yield return new ValidationResult("Email:Smtp:UserName and Email:Smtp:Password are set together or not at all.", ["Smtp"]);
        }
    }
}

/// <summary>The SMTP server mail is handed to (the <c>Email:Smtp</c> section).</summary>
public sealed class SmtpOptions
{
    /// <summary>The server's host name or address; empty means no SMTP server is configured.</summary>
    public string? Host { get; set; }

    /// <summary>The TCP port: 587 (submission with STARTTLS, RFC 6409) unless set; 465 is usual with <see cref="SmtpSecurity.Tls"/>.</summary>
    [Range(1, 65535, ErrorMessage = "Email:Smtp:Port must be between 1 and 65535.")]
    public int Port { get; set; } = 587;

    /// <summary>How the connection is protected; <see cref="SmtpSecurity.StartTls"/> unless set.</summary>
    [EnumDataType(typeof(SmtpSecurity), ErrorMessage = "Email:Smtp:Security must be None, StartTls or Tls.")]
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>The account to authenticate as; empty means the server is used without authentication.</summary>
    public string? UserName { get; set; }

    /// <summary>The account's password. Never logged, never shown in a validation message.</summary>
    public string? Password { get; set; }

    /// <summary>How long one send may take (connect, TLS, authentication, transfer) before it fails; 30 seconds unless set.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Email:Smtp:Timeout must be between 1 second and 10 minutes.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);
}

/// <summary>How the connection to the SMTP server is protected.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain text throughout: only for a relay on the same machine or a trusted private network.</summary>
    None,

    /// <summary>A plain connection upgraded with STARTTLS (RFC 3207), which is required: a server that does not offer it is an error.</summary>
    StartTls,

    /// <summary>TLS from the first byte ("implicit TLS", RFC 8314), usually on port 465.</summary>
    Tls,
}
