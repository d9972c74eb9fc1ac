namespace WebApp.Bench;

/// <summary>
/// What the fanout and connect scenarios drive: the site (<see cref="SiteUnderTest"/>) or the calibration peer
/// (<see cref="BareServerProcess"/>), with the same clients and workload.
/// </summary>
public interface IBenchServer
{
    /// <summary>"site" or "bare", as the rows are labelled.</summary>
    string Name { get; }

    /// <summary>Whether sockets need a token minted by the server (the site) or take any (the bare peer).</summary>
    bool MintsTokens { get; }

    /// <summary>Where the <paramref name="index"/>th socket goes.</summary>
    Uri AddressFor(int index);

    /// <summary>A new room; returns its slug (the path segment after /ws/rooms/).</summary>
    Task<string> CreateRoomAsync(string name);

    /// <summary>The socket token for the <paramref name="index"/>th socket of the room.</summary>
    Task<string> MintTokenAsync(int index, string slug);

    /// <summary>The server's CPU, in cores, from now on.</summary>
    CpuMeter ServerCpu();
}

/// <summary>The site: rooms created through its form, tokens minted by its page handler, users taking turns.</summary>
public sealed class SiteUnderTest(Deployment deployment, IReadOnlyList<BenchUser> users) : IBenchServer
{
    public string Name => "site";
    public bool MintsTokens => true;
    public Uri AddressFor(int index) => users[index % users.Count].Site;
    public Task<string> CreateRoomAsync(string name) => users[0].CreateRoomAsync(name);
    public Task<string> MintTokenAsync(int index, string slug) => users[index % users.Count].MintTokenAsync(slug);
    public CpuMeter ServerCpu() => deployment.ServerCpu();
}
