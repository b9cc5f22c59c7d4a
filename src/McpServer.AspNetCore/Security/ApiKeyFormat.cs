using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace McpServer.AspNetCore.Security;

/// <summary>
/// The API key format: <c>mcpk_</c>, a 12-character hex id, <c>_</c>, and 43 characters of
/// base64url secret (256 random bits). Only a SHA-256 digest of the whole key is stored: the
/// secret has full entropy, so a fast digest is as safe as a slow one and keeps the check cheap.
/// </summary>
public static class ApiKeyFormat
{
    /// <summary>The prefix every key starts with, so leaked keys are easy to recognise and scan for.</summary>
    public const string Prefix = "mcpk_";

    private const int IdLength = 12;
    private const int SecretBytes = 32;
    private const int SecretLength = 43;

    /// <summary>The length of every key.</summary>
    public const int KeyLength = 5 + IdLength + 1 + SecretLength;

    private const string HashPrefix = "sha256:";

    /// <summary>Creates a new key and its id.</summary>
    public static (string Id, string Key) Generate()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdLength / 2));
        return (id, Generate(id));
    }

    /// <summary>Creates a new key with the given id (a rotation keeps the id).</summary>
    public static string Generate(string id)
    {
        Span<byte> secret = stackalloc byte[SecretBytes];
        RandomNumberGenerator.Fill(secret);
        return Prefix + id + "_" + Base64Url.EncodeToString(secret);
    }

    /// <summary>Reads the id of a well-formed key; <see langword="false"/> for anything else.</summary>
    public static bool TryGetId(ReadOnlySpan<char> key, out ReadOnlySpan<char> id)
    {
        id = default;
        if (key.Length != KeyLength || !key.StartsWith(Prefix, StringComparison.Ordinal) || key[Prefix.Length + IdLength] != '_')
        {
            return false;
        }

        var candidate = key.Slice(Prefix.Length, IdLength);
        foreach (var c in candidate)
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        id = candidate;
        return true;
    }

    /// <summary>Whether <paramref name="id"/> has the form of a key id.</summary>
    public static bool IsId(string id) => id.Length == IdLength && id.All(char.IsAsciiHexDigitLower);

    /// <summary>The stored form of a key: <c>sha256:</c> and the base64url digest.</summary>
    public static string Hash(ReadOnlySpan<char> key) => HashPrefix + Base64Url.EncodeToString(Digest(key));

    /// <summary>Reads a stored hash back to its digest; <see langword="null"/> when it is not one.</summary>
    public static byte[]? ParseHash(string? stored)
    {
        if (stored is null || !stored.StartsWith(HashPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var digest = Base64Url.DecodeFromChars(stored.AsSpan(HashPrefix.Length));
            return digest.Length == SHA256.HashSizeInBytes ? digest : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The SHA-256 digest of a presented key.</summary>
    public static byte[] Digest(ReadOnlySpan<char> key)
    {
        var digest = new byte[SHA256.HashSizeInBytes];
        Digest(key, digest);
        return digest;
    }

    /// <summary>Writes the SHA-256 digest of a presented key (of any length) to <paramref name="destination"/>.</summary>
    public static void Digest(ReadOnlySpan<char> key, Span<byte> destination)
    {
        if (key.Length <= 128)
        {
            Span<byte> utf8 = stackalloc byte[128 * 3];
            SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(key, utf8)], destination);
            return;
        }

        SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString()), destination);
    }

    /// <summary>Whether a presented key's digest equals a stored one, in constant time.</summary>
    public static bool Matches(ReadOnlySpan<byte> presented, byte[]? stored) =>
        stored is not null && CryptographicOperations.FixedTimeEquals(presented, stored);
}
