using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser.PageObjects;

/// <summary>A room: history, composer, the connection badge, and the actions on messages (edit, delete).</summary>
public sealed class RoomPage(IPage page)
{
    public ILocator Messages => page.Locator("#messages .message");
    public ILocator Status => page.Locator("#connection-status");
    public ILocator Composer => page.Locator("#message-text");
    public ILocator Error => page.Locator("#chat-error");
    public ILocator Typing => page.Locator("#typing");
    public ILocator UnreadDivider => page.Locator("#unread-divider");
    public ILocator Menu => page.GetByRole(AriaRole.Menu, new() { Name = "Message actions" });
    public ILocator DeleteDialog => page.Locator("#delete-dialog");

    public ILocator MessageWithText(string text) => page.Locator("#messages .message-text", new() { HasTextString = text });

    /// <summary>The whole message (<c>article</c>) whose text contains <paramref name="text"/>.</summary>
    public ILocator Message(string text) => page.Locator("#messages .message", new() { Has = page.Locator(".message-text", new() { HasTextString = text }) });

    /// <summary>A message by its article id (<c>m-{id}</c>), whatever it now says.</summary>
    public ILocator MessageById(string articleId) => page.Locator($"#messages #{articleId}");

    public static ILocator ActionsButton(ILocator message) => message.GetByRole(AriaRole.Button, new() { Name = "Message actions" });

    public ILocator MenuItem(string name) => Menu.GetByRole(AriaRole.Menuitem, new() { Name = name });

    /// <summary>The inline editor's text box (open after Edit or Up arrow).</summary>
    public ILocator Editor => page.GetByRole(AriaRole.Textbox, new() { Name = "Edit message" });

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

    /// <summary>Sends <paramref name="text"/>, waits until the server has echoed it, and returns its article id.</summary>
    public async Task<string> SendAndWaitAsync(string text)
    {
        await SendWithEnterAsync(text);
        var message = Message(text);
        await Expect(message).ToHaveCountAsync(1);
        return (await message.GetAttributeAsync("id"))!;
    }

    /// <summary>Edits a message through its actions menu with the mouse: Edit, new text, Enter.</summary>
    public async Task EditAsync(ILocator message, string newText)
    {
        await ActionsButton(message).ClickAsync();
        await MenuItem("Edit").ClickAsync();
        await Editor.FillAsync(newText);
        await Editor.PressAsync("Enter");
    }

    /// <summary>Deletes a message through its actions menu with the mouse, confirming in the dialog.</summary>
    public async Task DeleteAsync(ILocator message)
    {
        await ActionsButton(message).ClickAsync();
        await MenuItem("Delete").ClickAsync();
        await Expect(DeleteDialog).ToBeVisibleAsync();
        await page.ClickAsync("#delete-confirm");
    }
}
