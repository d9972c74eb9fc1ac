namespace WebApp.Email;

/// <summary>
/// Texts of the mails <see cref="AccountEmails"/> sends (subjects and bodies), in <c>EmailText.resx</c>,
/// <c>.ja.resx</c> and <c>.zh-Hans.resx</c>; the English text is the key.
/// </summary>
public sealed class EmailText;
