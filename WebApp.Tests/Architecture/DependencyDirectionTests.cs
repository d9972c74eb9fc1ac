using System.Text.RegularExpressions;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Architecture;

/// <summary>
/// The dependency direction is the architecture: tokens and revocation belong to Auth and the chat only asks; the
/// chat owns the contracts for sharing rooms between instances, and ScaleOut implements them. Read from the source
/// (using directives and qualified names, comments aside), so a new file cannot slip past.
/// </summary>
public sealed partial class DependencyDirectionTests
{
    [Theory]
    [InlineData("Auth", "Chat")]
    [InlineData("Auth", "ScaleOut")]
    [InlineData("Auth", "Pages")]
    [InlineData("Chat", "ScaleOut")]
    [InlineData("Chat", "Pages")]
    [InlineData("Data", "Chat")]
    [InlineData("Data", "Auth")]
    [InlineData("Data", "ScaleOut")]
    public void A_folder_never_imports_one_it_must_not(string folder, string forbidden)
    {
        var root = Path.Combine(PublishedSite.RepositoryRoot, "WebApp", folder);
        var pattern = new Regex($@"\bWebApp\.{forbidden}\b");
        var offenders = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}"))
            .SelectMany(file => File.ReadLines(file).Select((line, index) => (file, line, index)))
            .Where(entry => !CommentLine().IsMatch(entry.line) && pattern.IsMatch(entry.line))
            .Select(entry => $"{Path.GetRelativePath(root, entry.file)}:{entry.index + 1}: {entry.line.Trim()}")
            .ToList();

        Assert.True(Directory.Exists(root), $"no folder {root}");
        Assert.True(offenders.Count == 0, $"WebApp/{folder} imports WebApp.{forbidden}:\n{string.Join('\n', offenders)}");
    }

    [GeneratedRegex(@"^\s*//")]
    private static partial Regex CommentLine();
}
