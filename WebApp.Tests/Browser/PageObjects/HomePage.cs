using Microsoft.Playwright;

namespace WebApp.Tests.Browser.PageObjects;

/// <summary>The room list at "/" with its create-room form.</summary>
public sealed class HomePage(IPage page)
{
    public ILocator NameError => page.Locator("#room-name-error");
    public ILocator RoomLinks => page.Locator("#room-list .room-link");

    public async Task OpenAsync() => await page.GotoAsync("/");

    /// <summary>The "New room" button (the summary of the collapsed form on phones and without script).</summary>
    public ILocator NewRoomButton => page.Locator("#new-room > summary");

    /// <summary>Opens the "New room" form when it is collapsed; does nothing when it already shows.</summary>
    public async Task OpenNewRoomFormAsync()
    {
        if (await page.Locator("#new-room[open]").CountAsync() == 0) await NewRoomButton.ClickAsync();
    }

    public async Task SubmitRoomAsync(string name)
    {
        await OpenNewRoomFormAsync();
        await page.FillAsync("#room-name", name);
        await page.ClickAsync("#create-room");
    }

    /// <summary>Creates a room and lands on its page; returns the slug.</summary>
    public async Task<string> CreateRoomAsync(string name)
    {
        await OpenAsync();
        await SubmitRoomAsync(name);
        await page.WaitForURLAsync("**/rooms/*");
        return new Uri(page.Url).Segments[^1];
    }
}
