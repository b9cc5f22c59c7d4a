using System.Globalization;
using Microsoft.Extensions.Logging;

namespace McpServer.Host;

/// <summary>The <c>--pid-file</c>: written once the server listens, removed when it stops (if it is still ours).</summary>
internal sealed partial class PidFile : IDisposable
{
    private readonly string _path;
    private readonly string _content;

    private PidFile(string path, string content)
    {
        _path = path;
        _content = content;
    }

    public static PidFile? Write(string? path, ILogger logger)
    {
        if (path is null)
        {
            return null;
        }

        var content = Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n";
        try
        {
            File.WriteAllText(path, content);
            return new PidFile(path, content);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogPidFileFailed(logger, path, ex.Message);
            return null;
        }
    }

    public void Dispose()
    {
        try
        {
            // Another process may have taken the file over meanwhile: remove only our own.
            if (File.Exists(_path) && File.ReadAllText(_path) == _content)
            {
                File.Delete(_path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    [LoggerMessage(11, LogLevel.Warning, "The pid file {Path} could not be written: {Reason}. The server runs on; tools that read the pid file will not find it.", EventName = "PID_FILE_FAILED")]
    private static partial void LogPidFileFailed(ILogger logger, string path, string reason);
}
