using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.Routing;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.Extensions.Options;

namespace WebApp.Auth;

/// <summary>
/// The framework's HTML generator, except that an empty validation summary holds <c>&lt;li hidden&gt;</c> where the
/// framework writes <c>&lt;li style="display:none"&gt;</c>: the site's CSP (style-src 'self') refuses inline style
/// attributes, and Identity UI's pages (Manage/Email, ResendEmailConfirmation) use <c>asp-validation-summary="All"</c>.
/// The placeholder only keeps the list valid HTML; jQuery Validation Unobtrusive empties the list before it shows errors.
/// </summary>
public sealed class HtmlGeneratorWithoutInlineStyle(
    IAntiforgery antiforgery,
    IOptions<MvcViewOptions> optionsAccessor,
    IModelMetadataProvider metadataProvider,
    IUrlHelperFactory urlHelperFactory,
    HtmlEncoder htmlEncoder,
    ValidationHtmlAttributeProvider validationAttributeProvider)
    : DefaultHtmlGenerator(antiforgery, optionsAccessor, metadataProvider, urlHelperFactory, htmlEncoder, validationAttributeProvider)
{
    private const string HiddenByStyle = "<li style=\"display:none\"></li>";
    private const string HiddenByAttribute = "<li hidden></li>";

    private readonly HtmlEncoder _htmlEncoder = htmlEncoder;

    public override TagBuilder? GenerateValidationSummary(ViewContext viewContext, bool excludePropertyErrors, string? message,
        string? headerTag, object? htmlAttributes)
    {
        var summary = base.GenerateValidationSummary(viewContext, excludePropertyErrors, message, headerTag, htmlAttributes);
        if (summary is null || !summary.HasInnerHtml) return summary;

        using var inner = new StringWriter();
        summary.InnerHtml.WriteTo(inner, _htmlEncoder);
        var html = inner.ToString();
        if (!html.Contains(HiddenByStyle, StringComparison.Ordinal)) return summary;

        var rewritten = new TagBuilder(summary.TagName) { TagRenderMode = summary.TagRenderMode };
        rewritten.MergeAttributes(summary.Attributes);
        rewritten.InnerHtml.AppendHtml(html.Replace(HiddenByStyle, HiddenByAttribute, StringComparison.Ordinal));
        return rewritten;
    }
}
