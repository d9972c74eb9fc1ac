using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Routing;

namespace WebApp.Auth;

/// <summary>
/// Replaces a <c>returnUrl</c> handler argument that is not a local URL with the site root ("~/") before an
/// Identity UI page sees it. Identity UI ends sign-in, registration and sign-out with
/// <c>LocalRedirect(returnUrl)</c>, which throws (a 500) on a foreign URL; without this filter every hostile
/// link would fail, and a page that redirected without <c>LocalRedirect</c> would be an open redirect.
/// </summary>
/// <remarks>
/// "Local" is the framework's own rule, <see cref="Microsoft.AspNetCore.Mvc.IUrlHelper.IsLocalUrl"/>: a path that starts
/// with "/" or "~/", not followed by "/" or "\", and without control characters. The filter acts on the bound
/// argument, so every spelling of the parameter (any case, query or form, repeated, percent-encoded) is covered,
/// exactly as the handler would receive it.
/// </remarks>
public sealed class LocalReturnUrlFilter(IUrlHelperFactory urlHelperFactory, ILogger<LocalReturnUrlFilter> logger) : IPageFilter
{
    public const string ArgumentName = "returnUrl";
    public const string SiteRoot = "~/";

    public void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        var arguments = context.HandlerArguments;
        foreach (var name in arguments.Keys.Where(key => key.Equals(ArgumentName, StringComparison.OrdinalIgnoreCase)).ToList())
        {
            if (arguments[name] is not string returnUrl) continue;
            if (urlHelperFactory.GetUrlHelper(context).IsLocalUrl(returnUrl)) continue;
            arguments[name] = SiteRoot;
            // The value itself is attacker-chosen text; its length is enough to recognise a pattern in the log.
            logger.LogInformation("Replaced a non-local return URL ({Length} characters) on {Page} with the site root",
                returnUrl.Length, context.ActionDescriptor.ViewEnginePath);
        }
    }

    public void OnPageHandlerSelected(PageHandlerSelectedContext context) { }

    public void OnPageHandlerExecuted(PageHandlerExecutedContext context) { }
}
