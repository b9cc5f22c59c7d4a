using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace McpServer.Sessions;

/// <summary>Unpredictable bytes from the operating system's generator, for session ids.</summary>
/// <remarks>
/// On Linux <see cref="RandomNumberGenerator"/> goes through OpenSSL, and its first call loads and
/// initializes libssl and libcrypto: 3.7 MiB of resident memory and a few milliseconds in the first
/// <c>initialize</c>, in a server that needs no other cryptography by default
/// (benchmarks/README.md#native-aot). The kernel's generator behind <c>/dev/urandom</c> is the one
/// OpenSSL seeds itself from. Elsewhere <see cref="RandomNumberGenerator"/> is the system's generator
/// already, and it is the fallback when <c>/dev/urandom</c> cannot be opened.
/// </remarks>
internal static class SystemRandom
{
    private static readonly SafeFileHandle? s_urandom = OpenUrandom();

    public static void Fill(Span<byte> destination)
    {
        if (s_urandom is null)
        {
            RandomNumberGenerator.Fill(destination);
            return;
        }

        while (!destination.IsEmpty)
        {
            // A character device: the offset is ignored.
            var read = RandomAccess.Read(s_urandom, destination, 0);
            if (read <= 0)
            {
                RandomNumberGenerator.Fill(destination);
                return;
            }

            destination = destination[read..];
        }
    }

    private static SafeFileHandle? OpenUrandom()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            return File.OpenHandle("/dev/urandom", FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }
}
