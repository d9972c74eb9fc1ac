using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace WebApp.Chat;

/// <summary>
/// Renders the room page's own partials outside any request, so what arrives over the socket looks exactly like
/// what the page rendered.
/// </summary>
public sealed class RazorPartialRenderer(
    IRazorViewEngine viewEngine,
    ITempDataProvider tempDataProvider,
    IModelMetadataProvider metadataProvider,
    IServiceScopeFactory scopeFactory)
{
    public const string MessagesPartial = "/Pages/Rooms/_Messages.cshtml";
    public const string PresencePartial = "/Pages/Rooms/_Presence.cshtml";
    public const string PresenceChangePartial = "/Pages/Rooms/_PresenceChange.cshtml";
    public const string ErrorPartial = "/Pages/Rooms/_ChatError.cshtml";
    public const string ResyncPartial = "/Pages/Rooms/_Resync.cshtml";
    public const string TypingPartial = "/Pages/Rooms/_Typing.cshtml";
    public const string AuthorRenamedPartial = "/Pages/Rooms/_AuthorRenamed.cshtml";
    public const string UnreadDividerPartial = "/Pages/Rooms/_UnreadDivider.cshtml";

    /// <summary>A partial as the UTF-8 bytes a socket sends.</summary>
    public async Task<byte[]> RenderFrameAsync<TModel>(string partialPath, TModel model, IEnumerable<KeyValuePair<string, object?>>? viewData = null) =>
        System.Text.Encoding.UTF8.GetBytes(await RenderAsync(partialPath, model, viewData));

    /// <param name="viewData">Entries the partial reads from <c>ViewData</c> besides its model.</param>
    /// <param name="request">Sets up the request the partial sees, as a reader's would be (e.g. their time zone).</param>
    public async Task<string> RenderAsync<TModel>(
        string partialPath, TModel model, IEnumerable<KeyValuePair<string, object?>>? viewData = null, Action<HttpContext>? request = null)
    {
        // Views resolve scoped services (e.g. the view buffer pool), so each render gets its own scope.
        await using var scope = scopeFactory.CreateAsyncScope();
        var httpContext = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        request?.Invoke(httpContext);
        var actionContext = new ActionContext(httpContext, new(), new ActionDescriptor());

        var found = viewEngine.GetView(executingFilePath: null, partialPath, isMainPage: false);
        if (!found.Success) throw new InvalidOperationException($"The partial {partialPath} was not found.");

        await using var output = new StringWriter();
        var data = new ViewDataDictionary<TModel>(metadataProvider, new ModelStateDictionary()) { Model = model };
        foreach (var (key, value) in viewData ?? []) data[key] = value;
        var viewContext = new ViewContext(
            actionContext, found.View, data, new TempDataDictionary(httpContext, tempDataProvider), output, new HtmlHelperOptions());
        await found.View.RenderAsync(viewContext);
        return output.ToString();
    }
}
