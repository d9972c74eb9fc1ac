using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser.PageObjects;

/// <summary>Identity UI's register and login pages, and the site header's account controls.</summary>
public sealed class AccountPages(IPage page)
{
    public const string LoginPath = "/Identity/Account/Login";

    public async Task RegisterAsync(string email, string password)
    {
        await page.GotoAsync("/Identity/Account/Register");
        await page.FillAsync("#Input_Email", email);
        await page.FillAsync("#Input_Password", password);
        await page.FillAsync("#Input_ConfirmPassword", password);
        await page.ClickAsync("#registerSubmit");
        await Expect(page.Locator("#account-link")).ToHaveTextAsync(email.Split('@')[0]);
    }

    public async Task SetDisplayNameAsync(string displayName)
    {
        await page.GotoAsync("/Identity/Account/Manage");
        await page.FillAsync("#Input_DisplayName", displayName);
        await page.ClickAsync("#update-profile-button");
        await Expect(page.Locator("#account-link")).ToHaveTextAsync(displayName);
    }

    public async Task SignOutAsync()
    {
        await page.ClickAsync("#logout");
        await Expect(page.Locator("#login-link")).ToBeVisibleAsync();
    }
}
