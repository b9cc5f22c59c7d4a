using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary>HTTPS from PEM files: served, renewed without restart, refused with a clear reason when unusable.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TlsTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mcp-tls-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string CertFile => Path.Combine(_dir.FullName, "server.crt");

    private string KeyFile => Path.Combine(_dir.FullName, "server.key");

    // A self-signed certificate for localhost, written as an operator's PEM pair; returns its SHA-256 thumbprint.
    private string WritePair(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(CertFile, certificate.ExportCertificatePem());
        File.WriteAllText(KeyFile, key.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    // One request on a new connection; returns the status and the thumbprint of the certificate the server presented.
    private static async Task<(HttpStatusCode Status, string Thumbprint)> EchoAsync(Uri mcpUrl)
    {
        var presented = string.Empty;
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    presented = new X509Certificate2(certificate!).GetCertHashString(HashAlgorithmName.SHA256);
                    return true; // self-signed: the test compares the thumbprint instead
                },
            },
        };
        using var http = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Post, mcpUrl)
        {
            Content = new StringContent("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"tls\"}," + RawMcpHttp.StatelessMeta + "}}", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", RawMcpHttp.BothAccept);
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2026-07-28");
        request.Headers.TryAddWithoutValidation("Mcp-Method", "tools/call");
        request.Headers.TryAddWithoutValidation("Mcp-Name", "echo");
        using var response = await http.SendAsync(request);
        return (response.StatusCode, presented);
    }

    [Fact]
    public async Task PemPair_ServesHttps_AndARenewedPairAppliesWithoutRestart()
    {
        var first = WritePair("mcp-first");
        await using var server = await ServerProcess.StartHttpAsync(output, "--tls-cert", CertFile, "--tls-key", KeyFile);

        Assert.Equal("https", server.McpUrl!.Scheme);
        var (status, presented) = await EchoAsync(server.McpUrl);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(first, presented);
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("TLS_CERTIFICATE", StringComparison.Ordinal) && l.Contains("CN=mcp-first", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "TLS_CERTIFICATE at start");

        var second = WritePair("mcp-second");
        await Poll.UntilAsync(async () => (await EchoAsync(server.McpUrl)).Thumbprint == second, TimeSpan.FromSeconds(15), "the renewed certificate to be presented");
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("TLS_CERTIFICATE_RELOADED", StringComparison.Ordinal) && l.Contains("CN=mcp-second", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "TLS_CERTIFICATE_RELOADED");
        Assert.DoesNotContain(server.Lines, l => l.Contains("PRIVATE KEY", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnusablePairs_AreRefusedAtStart_WithTheReason()
    {
        WritePair("mcp-first");
        var otherKey = Path.Combine(_dir.FullName, "other.key");
        using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            await File.WriteAllTextAsync(otherKey, other.ExportPkcs8PrivateKeyPem());
        }

        await using var certOnly = ServerProcess.Launch(output, "--port", "0", "--tls-cert", CertFile);
        await using var mismatched = ServerProcess.Launch(output, "--port", "0", "--tls-cert", CertFile, "--tls-key", otherKey);
        await using var missing = ServerProcess.Launch(output, "--port", "0", "--tls-cert", CertFile, "--tls-key", Path.Combine(_dir.FullName, "nope.key"));

        Assert.Equal(2, await certOnly.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(certOnly.StderrLines, l => l.StartsWith("mcp-server: HTTPS needs both a certificate and its private key", StringComparison.Ordinal) && l.Contains("only the certificate was given", StringComparison.Ordinal));
        Assert.Equal(2, await mismatched.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(mismatched.StderrLines, l => l.StartsWith("mcp-server: cannot serve HTTPS: ", StringComparison.Ordinal) && l.Contains(otherKey, StringComparison.Ordinal));
        Assert.Equal(2, await missing.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(missing.StderrLines, l => l.Contains("the private key file " + Path.Combine(_dir.FullName, "nope.key") + " does not exist", StringComparison.Ordinal));
    }
}
