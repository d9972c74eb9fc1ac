using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using WebApp.Email;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// A real SMTP server (the SmtpServer package) on a loopback port, keeping every message it accepts. With
/// <see cref="SmtpSecurity.StartTls"/> it offers STARTTLS, with <see cref="SmtpSecurity.Tls"/> it speaks TLS from the
/// first byte, both with the throwaway <see cref="TestCertificate"/>; with a user name it accepts exactly that account
/// (after TLS, as SMTP servers do).
/// </summary>
public sealed class SmtpCapture : IDisposable
{
    private readonly ConcurrentQueue<MimeMessage> _messages = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _arrived = new(0);

    public SmtpCapture(SmtpSecurity security, string? userName = null, string? password = null)
    {
        Security = security;
        Port = FreePort();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint =>
            {
                endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, Port));
                if (security != SmtpSecurity.None) endpoint.Certificate(TestCertificate.Certificate);
                if (security == SmtpSecurity.Tls) endpoint.IsSecure(true);
            })
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new CapturingStore(this));
        if (userName is not null)
        {
            services.Add(new DelegatingUserAuthenticator((user, pass) =>
            {
                var accepted = user == userName && pass == password;
                if (accepted) Interlocked.Increment(ref _authentications);
                return accepted;
            }));
        }
        _ = new SmtpServer.SmtpServer(options, services).StartAsync(_stop.Token);
        WaitUntilListening();
    }

    private int _authentications;

    public SmtpSecurity Security { get; }

    public int Port { get; }

    /// <summary>How many times a client signed in with the configured account.</summary>
    public int Authentications => _authentications;

    public IReadOnlyCollection<MimeMessage> Messages => _messages;

    /// <summary>The settings that point the site at this server.</summary>
    public Dictionary<string, string> SiteSettings(string? userName = null, string? password = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Email:Smtp:Host"] = "localhost",
            ["Email:Smtp:Port"] = Port.ToString(),
            ["Email:Smtp:Security"] = Security.ToString(),
            ["Email:From"] = "Chat <chat@example.test>",
        };
        if (userName is not null)
        {
            settings["Email:Smtp:UserName"] = userName;
            settings["Email:Smtp:Password"] = password!;
        }
        return settings;
    }

    /// <summary>The first message to <paramref name="address"/>, waiting for it up to 10 seconds.</summary>
    public async Task<MimeMessage> MessageToAsync(string address)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var found = _messages.FirstOrDefault(message => message.To.Mailboxes.Any(to => to.Address.Equals(address, StringComparison.OrdinalIgnoreCase)));
            if (found is not null) return found;
            var left = deadline - DateTime.UtcNow;
            Assert.True(left > TimeSpan.Zero, $"no mail to {address} arrived within 10 s ({_messages.Count} other messages)");
            await _arrived.WaitAsync(left);
        }
    }

    public void Dispose() => _stop.Cancel();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
        }
    }

    private sealed class CapturingStore(SmtpCapture capture) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            capture._messages.Enqueue(MimeMessage.Load(stream, cancellationToken));
            capture._arrived.Release();
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}

/// <summary>
/// The site (Development, plain HTTP) sending its mail to its own <see cref="SmtpCapture"/>, trusting exactly the
/// test certificate; the StartTls server also requires the site to sign in with an account.
/// </summary>
public abstract class MailChatServer : ChatServer
{
    public const string SmtpUserName = "chat-site";
    public const string SmtpPassword = "smtp-password-that-must-never-be-logged-7f3a9c";

    protected MailChatServer(SmtpSecurity security)
    {
        var authenticated = security == SmtpSecurity.StartTls;
        Smtp = authenticated ? new SmtpCapture(security, SmtpUserName, SmtpPassword) : new SmtpCapture(security);
        _settings = Smtp.SiteSettings(authenticated ? SmtpUserName : null, authenticated ? SmtpPassword : null);
    }

    private readonly Dictionary<string, string> _settings;

    public SmtpCapture Smtp { get; }

    protected override Dictionary<string, string> Settings => new(base.Settings.Concat(_settings));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton(new SmtpServerCertificateValidation(TestCertificate.IsTheTestCertificate)));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Smtp.Dispose();
    }
}

public sealed class PlainSmtpChatServer() : MailChatServer(SmtpSecurity.None);

public sealed class StartTlsSmtpChatServer() : MailChatServer(SmtpSecurity.StartTls);

public sealed class TlsSmtpChatServer() : MailChatServer(SmtpSecurity.Tls);

/// <summary>The site configured for an SMTP server that is not there (nothing listens on its port).</summary>
public sealed class SmtpDownChatServer : ChatServer
{
    public const string SmtpPassword = "smtp-password-of-a-server-that-is-down-4b1e";

    private static readonly int ClosedPort = ClosedLoopbackPort();

    protected override Dictionary<string, string> Settings => new(base.Settings)
    {
        ["Email:Smtp:Host"] = "127.0.0.1",
        ["Email:Smtp:Port"] = ClosedPort.ToString(),
        ["Email:Smtp:Security"] = "StartTls",
        ["Email:Smtp:UserName"] = "chat-site",
        ["Email:Smtp:Password"] = SmtpPassword,
        ["Email:From"] = "chat@example.test",
    };

    private static int ClosedLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The Development site without an SMTP server, writing its mail to a folder of its own.</summary>
public sealed class PickupDirectoryChatServer : ChatServer
{
    public string PickupDirectory { get; } = Directory.CreateTempSubdirectory("chat-mail-").FullName;

    protected override Dictionary<string, string> Settings => new(base.Settings) { ["Email:PickupDirectory"] = PickupDirectory };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try { Directory.Delete(PickupDirectory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// The site sending to a plain SMTP server and, like one whose SMTP server offers no STARTTLS, told to use StartTls:
/// it must refuse to send rather than send in the clear.
/// </summary>
public sealed class NoStartTlsOfferedChatServer : ChatServer
{
    public SmtpCapture Smtp { get; } = new(SmtpSecurity.None);

    protected override Dictionary<string, string> Settings => new(base.Settings.Concat(Smtp.SiteSettings()))
    {
        ["Email:Smtp:Security"] = "StartTls",
    };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Smtp.Dispose();
    }
}

/// <summary>The site with its public address configured (Email:SiteUrl), so links in mail never follow the request's Host.</summary>
public sealed class SiteUrlChatServer : ChatServer
{
    public const string SiteUrl = "https://chat.example.test/";

    public SmtpCapture Smtp { get; } = new(SmtpSecurity.None);

    protected override Dictionary<string, string> Settings => new(base.Settings.Concat(Smtp.SiteSettings())) { ["Email:SiteUrl"] = SiteUrl };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Smtp.Dispose();
    }
}
