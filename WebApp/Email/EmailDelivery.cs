namespace WebApp.Email;

/// <summary>Where the site's mail goes, decided once at start from <see cref="EmailOptions"/> and the environment.</summary>
public enum EmailDeliveryMode
{
    /// <summary>To the SMTP server of <c>Email:Smtp:Host</c>.</summary>
    Smtp,

    /// <summary>Development without an SMTP host: each mail is an .eml file in <see cref="EmailDelivery.PickupDirectory"/>.</summary>
    PickupDirectory,

    /// <summary>Any other environment without an SMTP host: nothing can be sent, so the flows that need mail are off.</summary>
    Off,
}

/// <summary>
/// Whether this site can send mail, and how. Account pages ask <see cref="CanSend"/> before offering a flow that
/// ends in "we sent you a link": with no sender they say to ask an administrator instead.
/// </summary>
public sealed class EmailDelivery(EmailDeliveryMode mode, string? pickupDirectory = null)
{
    public EmailDeliveryMode Mode => mode;

    /// <summary>The absolute folder .eml files are written to (<see cref="EmailDeliveryMode.PickupDirectory"/> only).</summary>
    public string? PickupDirectory => pickupDirectory;

    public bool CanSend => mode != EmailDeliveryMode.Off;

    public static EmailDelivery For(EmailOptions options, IHostEnvironment environment) =>
        options.Smtp.IsConfigured ? new(EmailDeliveryMode.Smtp)
        : environment.IsDevelopment() ? new(EmailDeliveryMode.PickupDirectory, Path.GetFullPath(Path.Combine(environment.ContentRootPath, options.PickupDirectory)))
        : new(EmailDeliveryMode.Off);
}
