using System.ComponentModel.DataAnnotations;
using System.Net;

namespace WebApp.Operations;

/// <summary>
/// <c>Metrics</c>: whether <c>/metrics</c> serves the Prometheus text format, and to which client addresses.
/// </summary>
public sealed class MetricsOptions : IValidatableObject
{
    public const string Section = "Metrics";

    /// <summary>Loopback only (IPv4 127.0.0.0/8 and IPv6 ::1), used while <see cref="AllowedNetworks"/> is unset.</summary>
    public static readonly IReadOnlyList<string> Loopback = ["127.0.0.0/8", "::1/128"];

    /// <summary>Off by default: <c>/metrics</c> is then 404 like any unknown path.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Networks in CIDR notation (RFC 4632; IPv6 as in RFC 4291 section 2.3), e.g. <c>10.0.0.0/8</c> or
    /// <c>fd00::/8</c>, whose clients may scrape; anyone else gets 404. Unset means <see cref="Loopback"/>. It is
    /// nullable rather than defaulted because the configuration binder appends to an array it finds filled, which
    /// would keep loopback allowed whatever an operator sets.
    /// </summary>
    public string[]? AllowedNetworks { get; set; }

    /// <summary>The parsed <see cref="AllowedNetworks"/>, once validation passed. (A method: validation reads every property.)</summary>
    public IReadOnlyList<IPNetwork> ParseNetworks() => [.. (AllowedNetworks ?? [.. Loopback]).Select(n => IPNetwork.Parse(n))];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < (AllowedNetworks?.Length ?? 0); i++)
        {
            var text = AllowedNetworks![i];
            if (!Security.CidrNotation.IsExactNetwork(text))
            {
                yield return new ValidationResult(
                    $"{Section}:{nameof(AllowedNetworks)}:{i} is \"{text}\", which is not a network in CIDR notation " +
                    "with no bits set past its prefix (e.g. \"10.0.0.0/8\", \"192.168.1.7/32\" or \"fd00::/8\").",
                    [nameof(AllowedNetworks)]);
            }
        }
    }
}
