using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>
/// Renders a message with the room page's own partial, outside any request, so a message looks the same
/// whether it arrived with the page or over the socket.
/// </summary>
public sealed class MessageHtmlRenderer(
    IRazorViewEngine viewEngine,
    ITempDataProvider tempDataProvider,
    IModelMetadataProvider metadataProvider,
    IServiceScopeFactory scopeFactory)
{
    public const string PartialPath = "/Pages/Rooms/_Message.cshtml";

    public async Task<string> RenderAsync(ChatMessage message)
    {
        // Views resolve scoped services (e.g. the view buffer pool), so each render gets its own scope.
        await using var scope = scopeFactory.CreateAsyncScope();
        var httpContext = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var actionContext = new ActionContext(httpContext, new(), new ActionDescriptor());

        var found = viewEngine.GetView(executingFilePath: null, PartialPath, isMainPage: false);
        if (!found.Success) throw new InvalidOperationException($"The message partial {PartialPath} was not found.");

        await using var output = new StringWriter();
        var viewData = new ViewDataDictionary<ChatMessage>(metadataProvider, new ModelStateDictionary()) { Model = message };
        var viewContext = new ViewContext(
            actionContext, found.View, viewData, new TempDataDictionary(httpContext, tempDataProvider), output, new HtmlHelperOptions());
        await found.View.RenderAsync(viewContext);
        return output.ToString();
    }
}
