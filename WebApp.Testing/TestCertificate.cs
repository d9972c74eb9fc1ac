using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace WebApp.Testing;

/// <summary>
/// A throwaway self-signed server certificate for 127.0.0.1 and localhost, made once per test run with
/// <see cref="CertificateRequest"/>: nothing is committed, and clients are told to accept exactly this one.
/// </summary>
public static class TestCertificate
{
    private static readonly Lazy<X509Certificate2> Shared = new(Create);

    /// <summary>The certificate with its private key, usable by Kestrel's <c>UseHttps</c>.</summary>
    public static X509Certificate2 Certificate => Shared.Value;

    private static X509Certificate2 Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        // An ephemeral key cannot be used by SslStream on Linux; a PKCS#12 round trip gives it a usable one.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Writes the certificate as PKCS#12 (for Kestrel's <c>Certificate:Path</c>) and as PEM files (for nginx).</summary>
    public static (string Pfx, string CertificatePem, string KeyPem) WriteFiles(string directory, string pfxPassword)
    {
        var pfx = Path.Combine(directory, "server.pfx");
        var pem = Path.Combine(directory, "server.crt");
        var keyPem = Path.Combine(directory, "server.key");
        File.WriteAllBytes(pfx, Certificate.Export(X509ContentType.Pkcs12, pfxPassword));
        File.WriteAllText(pem, Certificate.ExportCertificatePem());
        using var key = Certificate.GetRSAPrivateKey()!;
        File.WriteAllText(keyPem, key.ExportPkcs8PrivateKeyPem());
        return (pfx, pem, keyPem);
    }

    /// <summary>Accepts this certificate (and only it): a client that trusts the test server and nothing else.</summary>
    public static bool IsTheTestCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && certificate.GetCertHashString() == Certificate.GetCertHashString();
}
