using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace McpServer.AspNetCore;

/// <summary>Reads a whole request body into one pooled array, refusing it as soon as it passes the limit.</summary>
internal static class RequestBody
{
    /// <summary>
    /// Returns the body in an array from <see cref="ArrayPool{T}.Shared"/> (the caller returns it),
    /// or <c>TooLarge</c> without buffering more than the limit.
    /// </summary>
    public static async ValueTask<(byte[] Body, int Length, bool TooLarge)> ReadAsync(HttpRequest request, long max, CancellationToken cancellationToken)
    {
        if (request.ContentLength > max)
        {
            return ([], 0, true);
        }

        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            if (buffer.Length > max)
            {
                reader.AdvanceTo(buffer.End);
                return ([], 0, true);
            }

            if (read.IsCompleted)
            {
                var length = (int)buffer.Length;
                var array = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
                buffer.CopyTo(array);
                reader.AdvanceTo(buffer.End);
                Metrics.McpHttpMetrics.Received(length);
                return (array, length, false);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
