using System.Net;

namespace WebApp.Security;

/// <summary>The one rule for network lists in configuration (trusted proxies, metrics clients).</summary>
public static class CidrNotation
{
    /// <summary>
    /// True for a network in CIDR notation (RFC 4632; IPv6 as in RFC 4291 §2.3) with no bits set past its prefix.
    /// .NET 10's parser silently clears such bits; they are refused instead, because "192.168.1.7/24" is more
    /// likely a typo for one host than a wish to open the whole /24.
    /// </summary>
    public static bool IsExactNetwork(string text)
    {
        var slash = text.IndexOf('/');
        return slash > 0
            && IPNetwork.TryParse(text, out var network)
            && IPAddress.TryParse(text.AsSpan(0, slash), out var address)
            && address.Equals(network.BaseAddress);
    }
}
