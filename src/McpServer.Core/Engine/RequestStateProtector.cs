using System.Buffers.Text;
using System.Security.Cryptography;

namespace McpServer.Engine;

/// <summary>
/// Seals and opens the <c>requestState</c> of multi-round-trip requests (2026-07-28) so a client
/// can neither read nor alter it. Every replica that must continue another's exchange needs the
/// same keys: the HTTP host uses ASP.NET Core Data Protection with a shared key ring.
/// </summary>
public interface IRequestStateProtector
{
    /// <summary>Encrypts and authenticates <paramref name="state"/>; the result is safe to put in JSON.</summary>
    string Protect(ReadOnlySpan<byte> state);

    /// <summary>Opens a value made by <see cref="Protect"/>; <see langword="false"/> when it was altered or sealed with another key.</summary>
    bool TryUnprotect(string requestState, out byte[] state);
}

/// <summary>
/// AES-GCM with a random key that lives as long as the process: state sealed here opens only
/// here. The default when no shared key ring is configured.
/// </summary>
public sealed class EphemeralRequestStateProtector : IRequestStateProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    /// <inheritdoc />
    public string Protect(ReadOnlySpan<byte> state)
    {
        var sealedBytes = new byte[NonceSize + TagSize + state.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, state, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize));
        return Base64Url.EncodeToString(sealedBytes);
    }

    /// <inheritdoc />
    public bool TryUnprotect(string requestState, out byte[] state)
    {
        state = [];
        byte[] sealedBytes;
        try
        {
            sealedBytes = Base64Url.DecodeFromChars(requestState);
        }
        catch (FormatException)
        {
            return false;
        }

        if (sealedBytes.Length < NonceSize + TagSize)
        {
            return false;
        }

        var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), plain);
        }
        catch (CryptographicException)
        {
            return false;
        }

        state = plain;
        return true;
    }
}
