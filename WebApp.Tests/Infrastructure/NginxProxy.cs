using System.Diagnostics;
using System.Net;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// Debian's nginx as the TLS-terminating reverse proxy on loopback, configured from the example the repository
/// ships (<c>deploy/nginx/chat.conf</c>) with only its addresses, ports and certificate paths replaced: if the
/// example drifts from what works, the tests that go through it fail.
/// </summary>
public sealed class NginxProxy
{
    private const string Executable = "/usr/sbin/nginx";

    private NginxProxy(ServerProcess process, Uri httpsAddress, Uri httpAddress, string accessLog) =>
        (Process, HttpsAddress, HttpAddress, AccessLog) = (process, httpsAddress, httpAddress, accessLog);

    /// <summary>The access log the example configures (written when nginx finishes each request).</summary>
    public string AccessLog { get; }

    public ServerProcess Process { get; }

    /// <summary>nginx's TLS listener (HTTP/2 and HTTP/1.1).</summary>
    public Uri HttpsAddress { get; }

    /// <summary>nginx's plain-HTTP listener, which redirects to HTTPS.</summary>
    public Uri HttpAddress { get; }

    public static Task EnsureInstalledAsync() => HostCommands.InstallDebianPackageAsync("nginx", () => File.Exists(Executable));

    /// <summary>Starts nginx in front of <paramref name="site"/>, with its files in <paramref name="directory"/>.</summary>
    public static async Task<NginxProxy> StartAsync(string directory, Uri site, string certificatePem, string keyPem)
    {
        await EnsureInstalledAsync();
        var https = ServerProcess.FreeLoopbackPort();
        var http = ServerProcess.FreeLoopbackPort();
        var example = await File.ReadAllTextAsync(Path.Combine(PublishedSite.RepositoryRoot, "deploy", "nginx", "chat.conf"));
        var replacements = new Dictionary<string, string>
        {
            ["server 127.0.0.1:5000;"] = $"server {site.Authority};",
            ["listen 443 ssl http2;"] = $"listen 127.0.0.1:{https} ssl http2;",
            ["listen [::]:443 ssl http2;"] = "",
            ["listen 80;"] = $"listen 127.0.0.1:{http};",
            ["listen [::]:80;"] = "",
            ["/etc/ssl/certs/chat.example.com.pem"] = certificatePem,
            ["/etc/ssl/private/chat.example.com.key"] = keyPem,
            ["/var/log/nginx/chat.access.log"] = Path.Combine(directory, "nginx-access.log"),
        };
        foreach (var (from, to) in replacements)
        {
            Assert.True(example.Contains(from, StringComparison.Ordinal), $"deploy/nginx/chat.conf no longer contains '{from}'");
            example = example.Replace(from, to, StringComparison.Ordinal);
        }
        var prefix = Directory.CreateDirectory(Path.Combine(directory, "nginx")).FullName;
        await File.WriteAllTextAsync(Path.Combine(prefix, "chat.conf"), example);
        // The parts of nginx.conf a distribution provides, pointed at this folder so nothing outside it is touched.
        var main = $$"""
            daemon off;
            {{(Environment.UserName == "root" ? "user root;" : "")}}
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log stderr warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path {{prefix}}/client_body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                include {{prefix}}/chat.conf;
            }
            """;
        var configuration = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(configuration, main);

        var process = new ServerProcess(new ProcessStartInfo(Executable, ["-p", prefix, "-c", configuration, "-e", "stderr"]));
        await process.WaitUntilReadyAsync(() => ServerProcess.AcceptsTcpAsync(https), "nginx");
        return new NginxProxy(process, new Uri($"https://127.0.0.1:{https}/"), new Uri($"http://127.0.0.1:{http}/"),
            replacements["/var/log/nginx/chat.access.log"]);
    }
}
