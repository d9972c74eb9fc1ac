using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.Extensions.WebEncoders;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ModelBinding.Metadata;
using Microsoft.Extensions.Localization;

namespace WebApp.Localization;

public static class LocalizationExtensions
{
    /// <summary>
    /// Request localization for <see cref="SiteCultures.Names"/>: the account's choice (<see cref="AccountCultureProvider"/>),
    /// then the culture cookie (<see cref="CookieRequestCultureProvider.DefaultCookieName"/>, set by the language menu),
    /// then <c>Accept-Language</c>; <c>en</c> when none names a supported language. Texts come from <c>.resx</c> files
    /// beside one marker class per feature folder (e.g. <c>Pages/Rooms/RoomsText.resx</c>, <c>.ja.resx</c>,
    /// <c>.zh-Hans.resx</c>); the English text is the key.
    /// </summary>
    public static IServiceCollection AddSiteLocalization(this IServiceCollection services)
    {
        services.AddLocalization();
        // Razor writes Japanese and Chinese as themselves, not as an entity per character (the default encoder
        // escapes everything outside Basic Latin, tripling a CJK page); markup characters are still escaped.
        services.Configure<WebEncoderOptions>(options => options.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        services.Configure<RequestLocalizationOptions>(options =>
        {
            var cultures = SiteCultures.Names.Select(CultureInfo.GetCultureInfo).ToList();
            options.DefaultRequestCulture = new RequestCulture(SiteCultures.Default);
            options.SupportedCultures = cultures;
            options.SupportedUICultures = cultures;
            options.FallBackToParentCultures = true;
            options.FallBackToParentUICultures = true;
            // No query string provider: a link must not switch someone's language.
            options.RequestCultureProviders =
            [
                new AccountCultureProvider(),
                new CookieRequestCultureProvider(),
                new AcceptLanguageProvider(),
            ];
        });
        return services;
    }

    /// <summary>
    /// Razor's localizers (<c>IViewLocalizer</c>, <c>IHtmlLocalizer&lt;T&gt;</c>), data annotations' messages and
    /// display names, and model binding's messages (<see cref="MvcOptions.ModelBindingMessageProvider"/>), all read
    /// from <see cref="ValidationText"/> (an attribute's <c>ErrorMessage</c> and <c>Display(Name)</c> are keys; model
    /// binding's keys are its English texts). Client-side validation shows the same texts: they are written into the
    /// inputs' <c>data-val-*</c> attributes in the request's culture.
    /// </summary>
    public static IMvcBuilder AddSiteLocalization(this IMvcBuilder mvc)
    {
        mvc.Services.AddOptions<MvcOptions>().Configure<IStringLocalizerFactory>((options, factory) =>
        {
            // One localizer for the process: it reads CultureInfo.CurrentUICulture on each lookup, i.e. the request's.
            var text = factory.Create(typeof(ValidationText));
            var messages = options.ModelBindingMessageProvider;
            messages.SetMissingBindRequiredValueAccessor(name => text["A value for the '{0}' parameter or property was not provided.", name]);
            messages.SetMissingKeyOrValueAccessor(() => text["A value is required."]);
            messages.SetMissingRequestBodyRequiredValueAccessor(() => text["A non-empty request body is required."]);
            messages.SetValueMustNotBeNullAccessor(value => text["The value '{0}' is invalid.", value]);
            messages.SetAttemptedValueIsInvalidAccessor((value, name) => text["The value '{0}' is not valid for {1}.", value, name]);
            messages.SetNonPropertyAttemptedValueIsInvalidAccessor(value => text["The value '{0}' is not valid.", value]);
            messages.SetUnknownValueIsInvalidAccessor(name => text["The supplied value is invalid for {0}.", name]);
            messages.SetNonPropertyUnknownValueIsInvalidAccessor(() => text["The supplied value is invalid."]);
            messages.SetValueIsInvalidAccessor(value => text["The value '{0}' is invalid.", value]);
            messages.SetValueMustBeANumberAccessor(name => text["The field {0} must be a number.", name]);
            messages.SetNonPropertyValueMustBeANumberAccessor(() => text["The field must be a number."]);
        });
        // Runs after the framework's providers, so it also sees the [Required] MVC implies for non-nullable members.
        mvc.Services.AddOptions<MvcOptions>().PostConfigure<IStringLocalizerFactory>((options, factory) =>
            options.ModelMetadataDetailsProviders.Add(new DefaultMessagesAsKeys(factory.Create(typeof(ValidationText)))));
        return mvc
            .AddViewLocalization()
            .AddDataAnnotationsLocalization(options =>
                options.DataAnnotationLocalizerProvider = (_, factory) => factory.Create(typeof(ValidationText)));
    }

    /// <summary>
    /// Sets each request's culture (after authentication, which <see cref="AccountCultureProvider"/> reads) and sends
    /// <c>Content-Language</c> with it.
    /// </summary>
    public static IApplicationBuilder UseSiteLocalization(this IApplicationBuilder app)
    {
        app.UseRequestLocalization();
        app.Use((context, next) =>
        {
            context.Response.Headers.ContentLanguage = CultureInfo.CurrentUICulture.Name;
            return next(context);
        });
        return app;
    }

    /// <summary>
    /// The culture cookie's value for <paramref name="culture"/> (one of <see cref="SiteCultures.Names"/>), in
    /// <see cref="CookieRequestCultureProvider"/>'s format <c>c=ja|uic=ja</c>.
    /// </summary>
    public static string CookieValue(string culture) => CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture));

    /// <summary>
    /// <paramref name="query"/> as a query string (<c>"?a=1&amp;b=2"</c>, or <c>""</c>) without any <c>returnUrl</c>
    /// parameter (any case) whose value <paramref name="isLocal"/> refuses, for the language menu's way back to the page.
    /// </summary>
    public static string QueryWithoutForeignReturnUrls(IQueryCollection query, Func<string?, bool> isLocal)
    {
        var kept = query.SelectMany(pair => pair.Value.Select(value => (pair.Key, Value: value)))
            .Where(pair => !pair.Key.Equals("returnUrl", StringComparison.OrdinalIgnoreCase) || isLocal(pair.Value))
            .Select(pair => new KeyValuePair<string, string?>(pair.Key, pair.Value));
        return QueryString.Create(kept).ToUriComponent();
    }

    /// <summary>
    /// Data annotations are translated only when they carry an <c>ErrorMessage</c> (the key). The attributes written
    /// without one (Identity UI's page models, and the <c>[Required]</c> MVC implies for non-nullable members) get
    /// their framework's English default as that key here, so they are translated as well and read the same in English.
    /// Likewise a property without <c>[Display(Name)]</c> is named by its own name looked up as a key (unchanged when
    /// there is none), so "Password" in a message reads パスワード.
    /// </summary>
    private sealed class DefaultMessagesAsKeys(IStringLocalizer text) : IValidationMetadataProvider, IDisplayMetadataProvider
    {
        public void CreateDisplayMetadata(DisplayMetadataProviderContext context)
        {
            if (context.Key.MetadataKind != ModelMetadataKind.Property || context.DisplayMetadata.DisplayName is not null) return;
            if (context.Attributes.Any(attribute => attribute is DisplayAttribute or System.ComponentModel.DisplayNameAttribute)) return;
            var name = context.Key.Name!;
            context.DisplayMetadata.DisplayName = () => text[name];
        }

        public void CreateValidationMetadata(ValidationMetadataProviderContext context)
        {
            foreach (var attribute in context.ValidationMetadata.ValidatorMetadata.OfType<ValidationAttribute>())
            {
                if (attribute.ErrorMessage is not null || attribute.ErrorMessageResourceType is not null || attribute.ErrorMessageResourceName is not null) continue;
                attribute.ErrorMessage = attribute switch
                {
                    RequiredAttribute => "The {0} field is required.",
                    EmailAddressAttribute => "The {0} field is not a valid e-mail address.",
                    StringLengthAttribute { MinimumLength: > 0 } => "The field {0} must be a string with a minimum length of {2} and a maximum length of {1}.",
                    StringLengthAttribute => "The field {0} must be a string with a maximum length of {1}.",
                    CompareAttribute => "'{0}' and '{1}' do not match.",
                    _ => null,
                };
            }
        }
    }

    /// <summary>
    /// Accept-Language (RFC 9110 §12.5.4) by quality, each tag mapped with <see cref="SiteCultures.Find"/>, so a bare
    /// <c>zh</c> or <c>zh-CN</c> gets Simplified Chinese rather than the default.
    /// </summary>
    private sealed class AcceptLanguageProvider : RequestCultureProvider
    {
        public override Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
        {
            var languages = httpContext.Request.GetTypedHeaders().AcceptLanguage;
            if (languages.Count == 0) return NullProviderCultureResult;
            // At most 8 tags are looked at, as ASP.NET Core's own provider does, so a long header costs nothing.
            var chosen = languages.Where(l => (l.Quality ?? 1) > 0).OrderByDescending(l => l.Quality ?? 1).Take(8)
                .Select(l => SiteCultures.Find(l.Value.Value)).FirstOrDefault(name => name is not null);
            return Task.FromResult(chosen is null ? null : new ProviderCultureResult(chosen));
        }
    }
}
