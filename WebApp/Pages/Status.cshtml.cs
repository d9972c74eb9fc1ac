using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace WebApp.Pages;

/// <summary>The page shown for error statuses that carry no body of their own (re-executed by status code pages).</summary>
[AllowAnonymous]
[Microsoft.AspNetCore.Mvc.IgnoreAntiforgeryToken]
public sealed class StatusModel(IStringLocalizer<SiteText> t) : PageModel
{
    public int Code { get; private set; }
    public string Title { get; private set; } = "";
    public string Explanation { get; private set; } = "";

    public void OnGet(int code) => Describe(code);
    public void OnPost(int code) => Describe(code);

    private void Describe(int code)
    {
        Code = code;
        var (title, explanation) = code switch
        {
            404 => ("Not found", "There is no page here. The room may have a different address."),
            401 => ("Please sign in", "You need to be signed in for that."),
            403 => ("Not allowed", "You do not have access to that."),
            429 => ("Too many requests", "You did that too often in a short time. Wait a moment, then try again."),
            400 => ("Bad request", "The request could not be processed. If you submitted a form, reload the page and try again."),
            _ => ("Something went wrong", "The server answered {0}."),
        };
        Title = t[title];
        Explanation = t[explanation, code];
    }
}
