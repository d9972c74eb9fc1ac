using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.ObjectPool;

namespace WebApp.Chat;

/// <summary>
/// Renders the room page's own partials outside any request, so what arrives over the socket looks exactly like
/// what the page rendered.
/// </summary>
/// <remarks>
/// A message is rendered once per event, on the path from store to broadcast, so the fixed cost of a render matters:
/// a service scope, an HTTP and action context for the view, and an action descriptor (which draws a new GUID) per
/// render were about half of it, and disposing a scope per render contended on the container's lock (profile in
/// docs/performance.md). Renders therefore borrow a context from a pool (Microsoft.Extensions.ObjectPool): one scope
/// and HTTP context used by one render at a time, for <see cref="RendersPerScope"/> renders, then disposed, which
/// returns what the views' buffer scope rented.
/// </remarks>
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

    /// <summary>
    /// Renders one borrowed context serves before its scope is disposed: what the views' buffer scope rents is given
    /// back only then, so this bounds what a context holds.
    /// </summary>
    public const int RendersPerScope = 64;

    /// <summary>No route and no action: the partials link with plain paths.</summary>
    private static readonly ActionDescriptor NoAction = new();

    private readonly ObjectPool<RenderContext> _contexts =
        new DefaultObjectPoolProvider { MaximumRetained = Environment.ProcessorCount * 4 }.Create(new RenderContextPolicy(scopeFactory));

    private readonly ConcurrentDictionary<string, long> _renders = new(StringComparer.Ordinal);

    /// <summary>
    /// How many times <paramref name="partialPath"/> has been rendered by this instance since it started: what the
    /// "once per culture present, never per person" rule of socket frames is checked by.
    /// </summary>
    public long Renders(string partialPath) => _renders.TryGetValue(partialPath, out var count) ? count : 0;

    /// <summary>A partial as the UTF-8 bytes a socket sends, its texts in <paramref name="culture"/> (null: the current culture).</summary>
    public async Task<byte[]> RenderFrameAsync<TModel>(
        string partialPath, TModel model, IEnumerable<KeyValuePair<string, object?>>? viewData = null, CultureInfo? culture = null) =>
        System.Text.Encoding.UTF8.GetBytes(await RenderAsync(partialPath, model, viewData, culture: culture));

    /// <param name="viewData">Entries the partial reads from <c>ViewData</c> besides its model.</param>
    /// <param name="request">Sets up the request the partial sees, as a reader's would be (e.g. their time zone).</param>
    /// <param name="culture">
    /// The language the partial's texts and formats are in (its localizers read <see cref="CultureInfo.CurrentUICulture"/>);
    /// null: the caller's current culture. Set for this render only: an async method's changes to the culture do not
    /// flow back to its caller.
    /// </param>
    /// <exception cref="InvalidOperationException">The partial does not exist.</exception>
    public async Task<string> RenderAsync<TModel>(
        string partialPath, TModel model, IEnumerable<KeyValuePair<string, object?>>? viewData = null, Action<HttpContext>? request = null,
        CultureInfo? culture = null)
    {
        if (culture is not null)
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = culture;
        }
        _renders.AddOrUpdate(partialPath, 1, static (_, count) => count + 1);
        // A render that sets up its own request gets a context of its own: what it sets must not reach later renders.
        var context = request is null ? _contexts.Get() : new RenderContext(scopeFactory);
        request?.Invoke(context.Http);
        var healthy = false;
        try
        {
            var found = viewEngine.GetView(executingFilePath: null, partialPath, isMainPage: false);
            if (!found.Success) throw new InvalidOperationException($"The partial {partialPath} was not found.");

            await using var output = new StringWriter();
            var data = new ViewDataDictionary<TModel>(metadataProvider, new ModelStateDictionary()) { Model = model };
            foreach (var (key, value) in viewData ?? []) data[key] = value;
            var viewContext = new ViewContext(
                context.Action, found.View, data, new TempDataDictionary(context.Http, tempDataProvider), output, new HtmlHelperOptions());
            await found.View.RenderAsync(viewContext);
            healthy = true;
            return output.ToString();
        }
        finally
        {
            if (request is not null)
            {
                context.Dispose();
            }
            else
            {
                // A render that failed may have left anything in its context: that one is not used again.
                if (!healthy) context.Uses = RendersPerScope;
                _contexts.Return(context);
            }
        }
    }

    /// <summary>What a render needs besides its model: a scope for the views' scoped services and an empty request.</summary>
    private sealed class RenderContext : IDisposable
    {
        public RenderContext(IServiceScopeFactory scopeFactory)
        {
            Scope = scopeFactory.CreateScope();
            Http = new DefaultHttpContext { RequestServices = Scope.ServiceProvider };
            Action = new ActionContext(Http, new RouteData(), NoAction);
        }

        public IServiceScope Scope { get; }

        public DefaultHttpContext Http { get; }

        public ActionContext Action { get; }

        /// <summary>Renders served so far.</summary>
        public int Uses { get; set; }

        public void Dispose() => Scope.Dispose();
    }

    private sealed class RenderContextPolicy(IServiceScopeFactory scopeFactory) : IPooledObjectPolicy<RenderContext>
    {
        public RenderContext Create() => new(scopeFactory);

        /// <summary>False once a context has served its renders: the pool disposes it.</summary>
        public bool Return(RenderContext context) => ++context.Uses < RendersPerScope;
    }
}
