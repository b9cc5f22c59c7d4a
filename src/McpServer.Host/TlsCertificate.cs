using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace McpServer.Host;

/// <summary>
/// The server's TLS certificate from a PEM certificate (chain) file and a PEM private key file.
/// Both files are watched: when either changes (a renewal), the pair is loaded again and new
/// connections get the new certificate without a restart; a pair that does not load keeps the
/// certificate in use and says why (<c>ERROR_TLS_CERTIFICATE</c>).
/// </summary>
internal sealed partial class TlsCertificate : IDisposable
{
    private readonly string _certificateFile;
    private readonly string _keyFile;
    private readonly ILogger _logger;
    private readonly Timer _poll;
    private readonly Lock _gate = new();
    private (DateTime, long, DateTime, long) _stamp;
    private X509Certificate2 _current;

    private TlsCertificate(string certificateFile, string keyFile, X509Certificate2 certificate, ILogger logger, TimeSpan poll)
    {
        _certificateFile = certificateFile;
        _keyFile = keyFile;
        _current = certificate;
        _logger = logger;
        _stamp = Stamp(certificateFile, keyFile);
        _poll = new Timer(static s => ((TlsCertificate)s!).Reload(), this, poll, poll);
    }

    /// <summary>Gets the certificate new connections get.</summary>
    public X509Certificate2 Current => Volatile.Read(ref _current);

    /// <summary>Loads a certificate and key pair; <see langword="null"/> with the reason when they cannot be used.</summary>
    public static X509Certificate2? Load(string certificateFile, string keyFile, out string? problem)
    {
        problem = null;
        foreach (var (file, what) in new[] { (certificateFile, "certificate"), (keyFile, "private key") })
        {
            if (!File.Exists(file))
            {
                problem = $"the {what} file {file} does not exist";
                return null;
            }
        }

        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                problem = $"{keyFile} holds no private key for the certificate in {certificateFile}";
                return null;
            }

            return certificate;
        }
        catch (ArgumentException ex)
        {
            // A private key of another certificate.
            problem = $"the private key in {keyFile} does not belong to the certificate in {certificateFile}";
            _ = ex;
            return null;
        }
        catch (CryptographicException ex)
        {
            problem = $"{certificateFile} and {keyFile} are not a PEM certificate and its private key ({ex.Message.TrimEnd('.')})";
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"{certificateFile} or {keyFile} cannot be read ({ex.Message.TrimEnd('.')})";
            return null;
        }
    }

    /// <summary>Starts watching a pair that <see cref="Load"/> accepted.</summary>
    public static TlsCertificate Watch(string certificateFile, string keyFile, X509Certificate2 certificate, ILogger logger, TimeSpan? poll = null) =>
        new(certificateFile, keyFile, certificate, logger, poll ?? TimeSpan.FromSeconds(2));

    /// <summary>One line about a certificate for the log: subject, expiry and thumbprint.</summary>
    public static string Describe(X509Certificate2 certificate) =>
        $"{certificate.Subject}, valid until {certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC, SHA-256 {certificate.GetCertHashString(HashAlgorithmName.SHA256)[..16]}";

    public void Dispose() => _poll.Dispose();

    private void Reload()
    {
        lock (_gate)
        {
            var stamp = Stamp(_certificateFile, _keyFile);
            if (stamp == _stamp)
            {
                return;
            }

            // A renewal writes two files; between the two writes the pair may not match: that is logged,
            // and the next poll, after the second write, loads the new pair.
            _stamp = stamp;
            if (Load(_certificateFile, _keyFile, out var problem) is { } certificate)
            {
                Volatile.Write(ref _current, certificate);
                LogReloaded(_logger, Describe(certificate));
            }
            else
            {
                LogReloadFailed(_logger, problem!, Describe(_current));
            }
        }
    }

    private static (DateTime, long, DateTime, long) Stamp(string certificateFile, string keyFile)
    {
        try
        {
            var c = new FileInfo(certificateFile);
            var k = new FileInfo(keyFile);
            return (c.Exists ? c.LastWriteTimeUtc : default, c.Exists ? c.Length : -1, k.Exists ? k.LastWriteTimeUtc : default, k.Exists ? k.Length : -1);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return default;
        }
    }

    [LoggerMessage(30, LogLevel.Information, "The TLS certificate files changed; new connections get {Certificate}.", EventName = "TLS_CERTIFICATE_RELOADED")]
    private static partial void LogReloaded(ILogger logger, string certificate);

    [LoggerMessage(31, LogLevel.Error, "The TLS certificate files changed but cannot be used: {Problem}. Connections keep getting {Certificate}; fix the files (the server watches them).", EventName = "ERROR_TLS_CERTIFICATE")]
    private static partial void LogReloadFailed(ILogger logger, string problem, string certificate);
}
