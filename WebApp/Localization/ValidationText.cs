namespace WebApp.Localization;

/// <summary>
/// Validation messages for every form: data annotations' <c>ErrorMessage</c> texts (the key) and model binding's
/// messages, in <c>ValidationText.resx</c>, <c>.ja.resx</c> and <c>.zh-Hans.resx</c>.
/// </summary>
public sealed class ValidationText;
