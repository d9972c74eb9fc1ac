using System.ComponentModel.DataAnnotations;

namespace WebApp.ScaleOut;

/// <summary>How instances that share a Redis tell each other they are alive (section <c>ScaleOut</c>).</summary>
public sealed class ScaleOutOptions
{
    public const string Section = "ScaleOut";

    /// <summary>
    /// How often each instance renews its heartbeat key and re-reads who is online in its rooms. The key lives three
    /// beats, so the people of an instance that died drop out of every list within four beats (20 s by default).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an instance counts as alive after its last beat: three beats.</summary>
    public TimeSpan HeartbeatLifetime => HeartbeatInterval * 3;
}
