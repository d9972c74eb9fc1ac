using System.Collections;
using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;
using WebApp.Localization;

namespace WebApp.Tests.Localization;

/// <summary>
/// Every text the site shows exists in every language: read from the compiled assembly and its satellite assemblies
/// (what is deployed), each neutral (English) resource has a Japanese and a Simplified Chinese one with exactly the
/// same keys, no empty value, the same <c>{n}</c> placeholders (a translation that drops one loses a name or a
/// count), and English values equal to their keys (the convention views rely on).
/// </summary>
public sealed partial class ResourceParityTests
{
    private static readonly string[] Translations = [.. SiteCultures.Names.Where(name => name != SiteCultures.Default)];

    /// <summary>Base names of every neutral resource in WebApp, e.g. <c>WebApp.Pages.SiteText</c>.</summary>
    public static TheoryData<string> BaseNames() => [.. NeutralResources()];

    private static List<string> NeutralResources() =>
    [
        .. typeof(SiteCultures).Assembly.GetManifestResourceNames()
            .Where(n => n.EndsWith(".resources", StringComparison.Ordinal)).Order()
            .Select(n => n[..^".resources".Length]),
    ];

    [Fact]
    public void Every_feature_folder_that_shows_text_has_its_resources()
    {
        var names = NeutralResources();
        Assert.Contains("WebApp.Pages.SiteText", names);
        Assert.Contains("WebApp.Localization.ValidationText", names);
    }

    [Theory]
    [MemberData(nameof(BaseNames))]
    public void Each_language_has_the_same_keys_and_placeholders(string baseName)
    {
        var manager = new ResourceManager(baseName, typeof(SiteCultures).Assembly);
        var english = Entries(manager, CultureInfo.InvariantCulture)
            ?? throw new Xunit.Sdk.XunitException($"{baseName}: no neutral resources");
        var problems = new List<string>();
        foreach (var (key, value) in english)
        {
            if (value != key) problems.Add($"en: \"{key}\" has the value \"{value}\" (the English text is the key)");
        }
        foreach (var name in Translations)
        {
            var translated = Entries(manager, CultureInfo.GetCultureInfo(name));
            if (translated is null)
            {
                problems.Add($"{name}: no resources at all (no {baseName}.{name}.resx)");
                continue;
            }
            problems.AddRange(english.Keys.Except(translated.Keys).Select(key => $"{name}: missing \"{key}\""));
            problems.AddRange(translated.Keys.Except(english.Keys).Select(key => $"{name}: \"{key}\" is not an English key"));
            foreach (var (key, value) in translated)
            {
                if (string.IsNullOrWhiteSpace(value)) problems.Add($"{name}: \"{key}\" is empty");
                else if (!Placeholders(key).SetEquals(Placeholders(value)))
                {
                    problems.Add($"{name}: \"{key}\" has placeholders {string.Join(",", Placeholders(key))} but \"{value}\" has {string.Join(",", Placeholders(value))}");
                }
            }
        }
        Assert.True(problems.Count == 0, $"{baseName}:\n{string.Join('\n', problems)}");
    }

    /// <summary>
    /// Two keys of one file that differ only in case ("Personal data", "Personal Data") are one key once compiled,
    /// and a page asking for the other shows English; read from the .resx sources, as the compiled sets hold only one.
    /// </summary>
    [Fact]
    public void No_resource_file_has_two_keys_that_differ_only_in_case()
    {
        var root = Path.Combine(WebApp.Tests.Infrastructure.PublishedSite.RepositoryRoot, "WebApp");
        var problems = Directory.EnumerateFiles(root, "*.resx", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(file => System.Xml.Linq.XDocument.Load(file).Root!.Elements("data")
                .Select(data => (string)data.Attribute("name")!)
                .GroupBy(key => key, StringComparer.OrdinalIgnoreCase).Where(keys => keys.Count() > 1)
                .Select(keys => $"{Path.GetRelativePath(root, file)}: \"{string.Join("\", \"", keys)}\""))
            .ToList();

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void A_translation_without_a_key_of_English_is_found()
    {
        // The checks above read real resource sets; this one shows Placeholders tells "{0}" and "{1}" apart.
        Assert.False(Placeholders("{0} joined {1}").SetEquals(Placeholders("{0} が参加しました")));
        Assert.True(Placeholders("{0} member").SetEquals(Placeholders("メンバー {0} 人")));
    }

    /// <summary>The entries of exactly <paramref name="culture"/> (no fallback to a parent), or null when it has none.</summary>
    private static Dictionary<string, string>? Entries(ResourceManager manager, CultureInfo culture)
    {
        var set = manager.GetResourceSet(culture, createIfNotExists: true, tryParents: false);
        if (set is null) return null;
        return set.Cast<DictionaryEntry>().ToDictionary(entry => (string)entry.Key, entry => entry.Value as string ?? "");
    }

    private static HashSet<string> Placeholders(string text) => [.. Placeholder().Matches(text).Select(m => m.Value)];

    [GeneratedRegex(@"\{\d+(:[^}]*)?\}")]
    private static partial Regex Placeholder();
}
