using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.Routing;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace WebApp.Auth;

/// <summary>
/// Sends a person to a page that can serve them when an Identity UI page cannot serve the state they are in, instead
/// of a 500 or a bare 400. Identity UI throws <see cref="InvalidOperationException"/> for reachable states
/// (LoginWith2fa and LoginWithRecoveryCode with no two-factor sign-in in progress, Disable2fa and
/// GenerateRecoveryCodes while two-factor sign-in is off), <see cref="FormatException"/> for an emailed
/// <c>code</c> that is not base64url (ConfirmEmail, ConfirmEmailChange, ResetPassword),
/// <see cref="ArgumentException"/> for a required field left out (DeletePersonalData's password), and answers 400 to
/// ResetPassword without a code. Re-rendering a form also throws: a checkbox posted as anything but true/false
/// ("RememberMe=maybe") is a <see cref="FormatException"/> while the page is written, so results are covered too.
/// </summary>
/// <remarks>
/// Account pages end on the Login page; Manage pages on Manage/TwoFactorAuthentication (two-factor pages) or
/// Manage/Index, with an error in the page's status message. The log gets a warning naming the page, the method and
/// the reason (the exception's type and Identity UI's message, which hold no code or token). Other exceptions, and
/// every exception outside the Identity area (this filter is registered on that area only), are left to the
/// exception handler.
/// </remarks>
public sealed class IdentityPageStateFilter(
    ITempDataDictionaryFactory tempDataFactory, IUrlHelperFactory urlHelperFactory, ILogger<IdentityPageStateFilter> logger)
    : IAsyncPageFilter, IAsyncResultFilter
{
    /// <summary>The key of the status message Identity UI's Manage pages show ("Error: …" shows as an error).</summary>
    public const string StatusMessageKey = "StatusMessage";

    public const string ManageMessage = "Error: that step is not available for your account as it is now.";

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var executed = await next();
        string reason;
        if (executed is { Exception: { } exception, ExceptionHandled: false } && IsUnservableState(exception))
        {
            reason = $"{executed.Exception.GetType().Name}: {executed.Exception.Message}";
        }
        else if (executed is { Exception: null, Result: IStatusCodeActionResult { StatusCode: StatusCodes.Status400BadRequest } })
        {
            // Antiforgery failures are answered by a filter before any handler runs, so they never arrive here.
            reason = "the page answered 400 to missing or malformed input";
        }
        else
        {
            return;
        }

        executed.ExceptionHandled = true;
        executed.Result = new RedirectToPageResult(Fallback(context, reason), new { area = IdentityPagesAllowList.Area });
    }

    public async Task OnResultExecutionAsync(ResultExecutingContext context, ResultExecutionDelegate next)
    {
        var executed = await next();
        // Razor buffers the page until it is complete, so a failure while writing it has sent nothing yet.
        if (executed is not { Exception: { } exception, ExceptionHandled: false } || !IsUnservableState(exception)
            || context.HttpContext.Response.HasStarted)
        {
            return;
        }
        // The message of a conversion failure quotes the posted value, so only the exception's type is logged.
        var target = Fallback(context, $"{exception.GetType().Name} while writing the page with the posted values");
        executed.ExceptionHandled = true;
        context.HttpContext.Response.Redirect(
            urlHelperFactory.GetUrlHelper(context).Page(target, new { area = IdentityPagesAllowList.Area }) ?? "/");
    }

    /// <summary>Exceptions Identity UI raises for a state or input it cannot serve (see the class remarks).</summary>
    public static bool IsUnservableState(Exception exception) =>
        exception is InvalidOperationException or FormatException or ArgumentException;

    /// <summary>Logs why the page could not serve the request, sets the Manage pages' error message, and returns where to go.</summary>
    private string Fallback(FilterContext context, string reason)
    {
        var page = ((Microsoft.AspNetCore.Mvc.RazorPages.CompiledPageActionDescriptor)context.ActionDescriptor).ViewEnginePath;
        var target = FallbackPage(page);
        logger.LogWarning("Identity page {Page} cannot serve this {Method} ({Reason}); sent to {Target}",
            page, context.HttpContext.Request.Method, reason, target);
        if (target.StartsWith("/Account/Manage/", StringComparison.Ordinal))
        {
            tempDataFactory.GetTempData(context.HttpContext)[StatusMessageKey] = ManageMessage;
        }
        return target;
    }

    /// <summary>The page that serves every state: Login for account pages, the two-factor or main Manage page for Manage pages.</summary>
    public static string FallbackPage(string page) =>
        !page.StartsWith("/Account/Manage/", StringComparison.OrdinalIgnoreCase) ? "/Account/Login"
        : page.Contains("2fa", StringComparison.OrdinalIgnoreCase)
            || page.Contains("RecoveryCodes", StringComparison.OrdinalIgnoreCase)
            || page.Contains("Authenticator", StringComparison.OrdinalIgnoreCase) ? "/Account/Manage/TwoFactorAuthentication"
        : "/Account/Manage/Index";
}
