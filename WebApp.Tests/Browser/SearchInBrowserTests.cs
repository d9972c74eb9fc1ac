using Microsoft.Playwright;
using WebApp.Tests.Infrastructure;
using WebApp.Tests.Rooms;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>Issue 15's search as a person uses it: from the room's header to a result, and from the result to the message in its place.</summary>
[Collection(ChatServerCollection.Name)]
public sealed class SearchInBrowserTests(ChatServer server, ChromiumBrowser chromium)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Search_opens_from_the_room_and_a_result_leads_to_the_message_in_its_place(bool phone) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(Search_opens_from_the_room_and_a_result_leads_to_the_message_in_its_place)}-{phone}", async pages =>
        {
            using var alice = server.NewVisitor();
            var slug = await alice.SignUpWithRoomAsync("Search in a browser");
            PostedMessage target;
            using (var socket = await alice.ConnectAsync(slug))
            {
                target = await socket.PostAsync("明日の会議は十時から in the capybara room");
                // More than a page of history after it: the message is not on the room's live page any more.
                for (var i = 1; i <= 60; i++) await socket.PostAsync($"later message {i:00}");
            }

            var context = await chromium.Browser.NewContextAsync(new()
            {
                BaseURL = server.BaseAddress.ToString(),
                ViewportSize = phone ? new() { Width = 390, Height = 844 } : new() { Width = 1280, Height = 800 },
                HasTouch = phone,
                IsMobile = phone,
            });
            context.SetDefaultTimeout(10_000);
            await context.AddCookiesAsync(alice.Cookies.GetCookies(server.BaseAddress)
                .Select(c => new Cookie { Name = c.Name, Value = c.Value, Url = server.BaseAddress.ToString() }));
            var page = await context.NewPageAsync();
            pages.Add(page);

            await page.GotoAsync($"/rooms/{slug}");
            var link = page.Locator("#room-search-link");
            await Expect(link).ToBeInViewportAsync();
            await link.ClickAsync();
            await Expect(page).ToHaveURLAsync(new Uri(server.BaseAddress, $"/rooms/{slug}/search").ToString());
            await Expect(page.Locator("#search-q")).ToBeFocusedAsync();

            await page.Locator("#search-q").FillAsync("会議");
            await page.Locator("#search-q").PressAsync("Enter");
            var result = page.Locator(".search-result");
            await Expect(result).ToHaveCountAsync(1);
            await Expect(result.Locator("mark")).ToHaveTextAsync("会議");
            await Expect(result.Locator(".search-result-text")).ToHaveTextAsync("明日の会議は十時から in the capybara room");
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the search page scrolls sideways");

            await result.GetByRole(AriaRole.Link, new() { Name = "Show in the room" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Uri(server.BaseAddress, $"/rooms/{slug}?before={target.Seq + 1}#m-{target.Id}").ToString());
            var message = page.Locator($"#messages #m-{target.Id}");
            await Expect(message).ToContainTextAsync("明日の会議は十時から");
            await Expect(message).ToBeInViewportAsync();
        });
}
