namespace WebApp.Testing;

/// <summary>
/// The set-up most socket and room tests start from, told over HTTP with <see cref="SiteClient"/> (no browser): people
/// signed up through the real form, and a room one of them created through the home page's form. The browser's
/// stories (Playwright pages) are WebApp.Tests/Browser/UserStories.
/// </summary>
public static class SiteStories
{
    /// <summary>
    /// Signs <paramref name="person"/> up with a new address and the test password, then has them create a room
    /// named <paramref name="roomName"/>. Returns the room's slug.
    /// </summary>
    /// <exception cref="UnexpectedResponseException">Sign-up or the room form did not redirect as they do on success.</exception>
    public static async Task<string> SignUpWithRoomAsync(this SiteClient person, string roomName, bool isPrivate = false)
    {
        await person.RegisterAsync();
        return await person.CreateRoomAsync(roomName, isPrivate);
    }

    /// <summary>
    /// Signs up <paramref name="owner"/> and then <paramref name="other"/> (each may talk to a different instance of the
    /// site), then has the owner create a room named <paramref name="roomName"/>. The other person is not invited: in a
    /// public room (the default) anyone signed in may connect. Returns the room's slug.
    /// </summary>
    /// <exception cref="UnexpectedResponseException">A sign-up or the room form did not redirect as they do on success.</exception>
    public static async Task<string> SignUpBothWithRoomAsync(this SiteClient owner, SiteClient other, string roomName, bool isPrivate = false)
    {
        await owner.RegisterAsync();
        await other.RegisterAsync();
        return await owner.CreateRoomAsync(roomName, isPrivate);
    }
}
