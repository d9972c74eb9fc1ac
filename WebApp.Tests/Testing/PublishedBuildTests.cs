using System.Diagnostics;
using WebApp.Testing;

namespace WebApp.Tests.Testing;

/// <summary>
/// Every test or benchmark run publishes the site (about 70 MB) into the temporary folder; a fresh-clone trial found
/// 140 such folders left behind (9 GB). A folder goes when its run ends, and whatever a killed run left is swept by
/// the next publish: a folder whose owner process is gone, or an unowned one older than half a day.
/// </summary>
public sealed class PublishedBuildTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("published-sweep-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private string Folder(string name, string? owner, TimeSpan age)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_temp, PublishedBuild.FolderPrefix + name)).FullName;
        File.WriteAllText(Path.Combine(folder, "WebApp.dll"), "stand-in");
        if (owner is not null) File.WriteAllText(Path.Combine(folder, PublishedBuild.OwnerFile), owner);
        Directory.SetLastWriteTimeUtc(folder, DateTime.UtcNow - age);
        return folder;
    }

    [Fact]
    public async Task The_sweep_deletes_what_no_running_process_owns_and_keeps_the_rest()
    {
        using var ended = Process.Start(new ProcessStartInfo("true"))!;
        await ended.WaitForExitAsync();

        var deadOwner = Folder("dead", ended.Id.ToString(), TimeSpan.Zero);
        var garbledOwner = Folder("garbled", "not a number", TimeSpan.Zero);
        var oldUnowned = Folder("old", null, TimeSpan.FromDays(2));
        var mine = Folder("mine", Environment.ProcessId.ToString(), TimeSpan.FromDays(2));
        var recentUnowned = Folder("recent", null, TimeSpan.FromMinutes(5));
        var unrelated = Directory.CreateDirectory(Path.Combine(_temp, "chat-tests-keep")).FullName;
        Directory.SetLastWriteTimeUtc(unrelated, DateTime.UtcNow - TimeSpan.FromDays(2));

        PublishedBuild.SweepLeftovers(_temp);

        Assert.False(Directory.Exists(deadOwner), "a folder whose process has ended stayed");
        Assert.False(Directory.Exists(garbledOwner), "a folder with an unreadable owner stayed");
        Assert.False(Directory.Exists(oldUnowned), "an unowned folder two days old stayed");
        Assert.True(Directory.Exists(mine), "the running process's own folder was deleted");
        Assert.True(Directory.Exists(recentUnowned), "an unowned folder five minutes old was deleted (an older checkout may be using it)");
        Assert.True(Directory.Exists(unrelated), "a folder that is not a published build was deleted");
    }

    [Fact]
    public async Task The_published_folder_names_its_owner_so_a_later_sweep_can_tell()
    {
        var folder = await PublishedBuild.PublishAsync();

        Assert.Equal(Environment.ProcessId.ToString(), await File.ReadAllTextAsync(Path.Combine(folder, PublishedBuild.OwnerFile)));
        PublishedBuild.SweepLeftovers(Path.GetDirectoryName(folder)!);
        Assert.True(File.Exists(Path.Combine(folder, "WebApp.dll")));
    }
}
