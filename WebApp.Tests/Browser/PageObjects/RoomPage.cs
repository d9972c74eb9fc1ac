using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser.PageObjects;

/// <summary>A room: history, composer and the connection badge.</summary>
public sealed class RoomPage(IPage page)
{
    public ILocator Messages => page.Locator("#messages .message");
    public ILocator Status => page.Locator("#connection-status");
    public ILocator Composer => page.Locator("#message-text");
    public ILocator Error => page.Locator("#chat-error");

    public ILocator MessageWithText(string text) => page.Locator("#messages .message-text", new() { HasTextString = text });

    public async Task OpenAsync(string slug)
    {
        await page.GotoAsync($"/rooms/{slug}");
        await WaitUntilLiveAsync();
    }

    public async Task WaitUntilLiveAsync() => await Expect(Status).ToHaveAttributeAsync("data-state", "live");

    public async Task SendWithEnterAsync(string text)
    {
        await Composer.FillAsync(text);
        await Composer.PressAsync("Enter");
    }
}
