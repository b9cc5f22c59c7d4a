using System.Buffers.Text;
using System.Security.Cryptography;
using McpServer.Engine;
using Microsoft.AspNetCore.DataProtection;

namespace McpServer.AspNetCore;

/// <summary>
/// Seals <c>requestState</c> with ASP.NET Core Data Protection (authenticated encryption with keys
/// from its key ring). Replicas whose key rings share a directory, and the same application name,
/// open each other's state.
/// </summary>
public sealed class DataProtectionRequestStateProtector : IRequestStateProtector
{
    /// <summary>The purpose string: state sealed for another purpose never opens here.</summary>
    public const string Purpose = "McpServer.RequestState.v1";

    private readonly IDataProtector _protector;

    /// <summary>Creates the protector from a Data Protection provider.</summary>
    public DataProtectionRequestStateProtector(IDataProtectionProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        _protector = provider.CreateProtector(Purpose);
    }

    /// <inheritdoc />
    public string Protect(ReadOnlySpan<byte> state) => Base64Url.EncodeToString(_protector.Protect(state.ToArray()));

    /// <inheritdoc />
    public bool TryUnprotect(string requestState, out byte[] state)
    {
        state = [];
        try
        {
            state = _protector.Unprotect(Base64Url.DecodeFromChars(requestState));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (CryptographicException)
        {
            // Altered, sealed with a key this ring does not hold, or with a revoked key.
            return false;
        }
    }
}
