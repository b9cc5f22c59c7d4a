using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace McpServer.FunctionalTests.Infrastructure;

/// <summary>
/// One real <c>mcp-server</c> process. Captures every stdout and stderr line (and echoes them to the
/// test output when there is one), waits for the <c>SERVER_STARTED</c> line, and kills the process
/// tree on dispose.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    /// <summary>How long a server may take to log SERVER_STARTED.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<string> _stdoutLines = [];
    private readonly List<string> _stderrLines = [];
    private readonly Channel<string> _stdout = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<string> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITestOutputHelper? _output;
    private int _disposed;

    private ServerProcess(Process process, ITestOutputHelper? output)
    {
        _process = process;
        _output = output;
    }

    /// <summary>The Streamable HTTP endpoint, e.g. <c>http://127.0.0.1:PORT/mcp</c>; null in stdio mode.</summary>
    public Uri? McpUrl { get; private set; }

    /// <summary>The server root, e.g. <c>http://127.0.0.1:PORT/</c>; null in stdio mode.</summary>
    public Uri? BaseUrl { get; private set; }

    /// <summary>The port the server listens on (0 in stdio mode).</summary>
    public int Port => McpUrl?.Port ?? 0;

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Every captured line of stdout and stderr, in arrival order, prefixed with <c>[out]</c> or <c>[err]</c>.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Every captured stdout line.</summary>
    public IReadOnlyList<string> StdoutLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _stdoutLines];
            }
        }
    }

    /// <summary>Every captured stderr line.</summary>
    public IReadOnlyList<string> StderrLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _stderrLines];
            }
        }
    }

    /// <summary>The process's stdin (only when started with <c>redirectStdin</c>).</summary>
    public StreamWriter StandardInput => _process.StandardInput;

    /// <summary>Number of lines captured so far; a mark to pass to <see cref="LinesSince"/>.</summary>
    public int LineCount
    {
        get
        {
            lock (_gate)
            {
                return _lines.Count;
            }
        }
    }

    /// <summary>Captured lines from <paramref name="mark"/> on.</summary>
    public IReadOnlyList<string> LinesSince(int mark)
    {
        lock (_gate)
        {
            return _lines.Skip(mark).ToList();
        }
    }

    /// <summary>Sends further lines to <paramref name="output"/> (or nowhere, for null).</summary>
    public void AttachOutput(ITestOutputHelper? output) => Volatile.Write(ref _output, output);

    /// <summary>
    /// Starts the HTTP server on a free loopback port with <paramref name="args"/> added, and waits until it
    /// logs SERVER_STARTED.
    /// </summary>
    public static async Task<ServerProcess> StartHttpAsync(ITestOutputHelper? output, params string[] args)
    {
        var server = Start(["--host", "127.0.0.1", "--port", "0", .. args], redirectStdin: false, output);
        try
        {
            var line = await server.WaitForStartedAsync().ConfigureAwait(false);
            var match = UrlPattern().Match(line);
            if (!match.Success)
            {
                throw new InvalidOperationException($"SERVER_STARTED line has no URL: {line}{Environment.NewLine}{server.Dump()}");
            }

            server.McpUrl = new Uri(match.Value);
            server.BaseUrl = new Uri(server.McpUrl, "/");
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the server in <c>--stdio</c> mode with stdin redirected, and waits for SERVER_STARTED on stderr.</summary>
    public static async Task<ServerProcess> StartStdioAsync(ITestOutputHelper? output, params string[] args)
    {
        var server = Start(["--stdio", .. args], redirectStdin: true, output);
        try
        {
            await server.WaitForStartedAsync().ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the server with exactly <paramref name="args"/> and does not wait for anything (for exit-code tests).</summary>
    public static ServerProcess Launch(ITestOutputHelper? output, params string[] args) => Start(args, redirectStdin: false, output);

    /// <summary>Starts the server under <paramref name="wrapper"/> (a command that runs the rest, e.g. <c>setpriv ...</c>) with exactly <paramref name="args"/>.</summary>
    public static ServerProcess LaunchUnder(ITestOutputHelper? output, IReadOnlyList<string> wrapper, params string[] args) => Start(args, redirectStdin: false, output, wrapper: wrapper);

    /// <summary>Starts the server with exactly <paramref name="args"/> and these environment variables set (for the MCP_* variables).</summary>
    public static ServerProcess LaunchWithEnvironment(ITestOutputHelper? output, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Start(args, redirectStdin: false, output, environment);

    /// <summary>Waits for SERVER_STARTED and returns that line.</summary>
    public Task<string> WaitForStartedLineAsync() => WaitForStartedAsync();

    /// <summary>Sends SIGTERM, as a service manager stopping the server would.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>The command and leading arguments that run the server: <c>MCP_SERVER_BIN</c>, or <c>dotnet mcp-server.dll</c>.</summary>
    public static (string FileName, string[] Args) Command()
    {
        var bin = Environment.GetEnvironmentVariable("MCP_SERVER_BIN");
        if (!string.IsNullOrEmpty(bin))
        {
            return (bin, []);
        }

        var dll = Path.Combine(AppContext.BaseDirectory, "mcp-server.dll");
        if (!File.Exists(dll) || !File.Exists(Path.Combine(AppContext.BaseDirectory, "mcp-server.runtimeconfig.json")))
        {
            throw new InvalidOperationException($"mcp-server.dll and mcp-server.runtimeconfig.json must be in {AppContext.BaseDirectory} (the test project references src/McpServer), or MCP_SERVER_BIN must name the server executable.");
        }

        return (DotnetHost(), [dll]);
    }

    /// <summary>The <c>dotnet</c> executable that runs this test process, so the server uses the same runtime.</summary>
    public static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        return "dotnet";
    }

    private static ServerProcess Start(string[] args, bool redirectStdin, ITestOutputHelper? output, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? wrapper = null)
    {
        var (fileName, prefix) = Command();
        if (wrapper is { Count: > 0 })
        {
            prefix = [.. wrapper.Skip(1), fileName, .. prefix];
            fileName = wrapper[0];
        }

        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            StandardInputEncoding = redirectStdin ? new UTF8Encoding(encoderShouldEmitUTF8Identifier: false) : null,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var a in prefix.Concat(args))
        {
            info.ArgumentList.Add(a);
        }

        // The environment must not choose the port, level or format behind the test's back.
        info.Environment.Remove("MCP_SERVER_PORT");
        info.Environment.Remove("MCP_SERVER_HOST");
        info.Environment.Remove("MCP_LOG_LEVEL");
        info.Environment.Remove("MCP_SERVER_CONFIG");
        info.Environment.Remove("MCP_SERVER_KEY_RING");
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }


        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var server = new ServerProcess(process, output);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data, stdout: true);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data, stdout: false);
        process.Exited += (_, _) => server.OnExited();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (redirectStdin)
        {
            process.StandardInput.AutoFlush = true;
            process.StandardInput.NewLine = "\n";
        }

        server.Log($"started pid {process.Id}: {fileName} {string.Join(' ', info.ArgumentList)}");
        return server;
    }

    private async Task<string> WaitForStartedAsync()
    {
        try
        {
            return await _started.Task.WaitAsync(StartTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"mcp-server did not log SERVER_STARTED within {StartTimeout.TotalSeconds} s.{Environment.NewLine}{Dump()}");
        }
    }

    /// <summary>Writes raw bytes and a newline to stdin (stdio mode).</summary>
    public async Task WriteLineAsync(byte[] line)
    {
        var stdin = _process.StandardInput.BaseStream;
        await stdin.WriteAsync(line).ConfigureAwait(false);
        await stdin.WriteAsync("\n"u8.ToArray()).ConfigureAwait(false);
        await stdin.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Writes one line of UTF-8 text to stdin (stdio mode).</summary>
    public Task WriteLineAsync(string line) => WriteLineAsync(Encoding.UTF8.GetBytes(line));

    /// <summary>Closes stdin: end of input for the server.</summary>
    public void CloseStandardInput() => _process.StandardInput.Close();

    /// <summary>Reads the next stdout line (stdio mode), or null when stdout has closed.</summary>
    public async Task<string?> ReadStdoutLineAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _stdout.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No stdout line within {timeout.TotalSeconds} s.{Environment.NewLine}{Dump()}");
        }
    }

    /// <summary>Waits for the process to exit and its output to be read; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"mcp-server (pid {_process.Id}) did not exit within {timeout.TotalSeconds} s.{Environment.NewLine}{Dump()}");
        }

        return _process.ExitCode;
    }

    /// <summary>All captured output, for failure messages.</summary>
    public string Dump()
    {
        var lines = Lines;
        return $"--- mcp-server output ({lines.Count} lines) ---{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
    }

    private void OnLine(string? line, bool stdout)
    {
        if (line is null)
        {
            if (stdout)
            {
                _stdout.Writer.TryComplete();
                _stdoutClosed.TrySetResult();
            }
            else
            {
                _stderrClosed.TrySetResult();
            }

            return;
        }

        lock (_gate)
        {
            _lines.Add((stdout ? "[out] " : "[err] ") + line);
            (stdout ? _stdoutLines : _stderrLines).Add(line);
        }

        if (stdout)
        {
            _stdout.Writer.TryWrite(line);
        }

        Log((stdout ? "[out] " : "[err] ") + line);
        if (line.Contains("SERVER_STARTED", StringComparison.Ordinal))
        {
            _started.TrySetResult(line);
        }
    }

    private void OnExited()
    {
        _started.TrySetException(new InvalidOperationException($"mcp-server exited before SERVER_STARTED.{Environment.NewLine}{Dump()}"));
    }

    private void Log(string line)
    {
        try
        {
            Volatile.Read(ref _output)?.WriteLine(line);
        }
        catch (Exception ex) when (ex is InvalidOperationException or NullReferenceException)
        {
            // The test that owned the output helper has finished. xunit 2's TestOutputHelper checks for
            // an active test and then uses it: a line arriving as the test ends can find it gone between
            // the two, and the NullReferenceException from inside xunit would crash the test host.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            Log($"could not stop pid: {ex.Message}");
        }
        finally
        {
            _output = null;
            _process.Dispose();
        }
    }

    [GeneratedRegex(@"https?://[^\s/]+/mcp")]
    private static partial Regex UrlPattern();
}
