using System.Diagnostics;
using System.Net;
using System.Text.Json;
using McpServer.Engine;
using McpServer.Host.Config;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace McpServer.Host;

/// <summary>
/// <c>GET /admin/status</c>, for <c>mcp-server status</c>: uptime, configuration version, listeners,
/// sessions, requests in flight, connections, memory. Answered to loopback clients only.
/// </summary>
internal static class StatusReport
{
    public static async Task WriteAsync(HttpContext http, IServiceProvider services, DateTimeOffset startedAt, ConfigReloader? config, bool ready, int connections, int maxConnections, McpServer.Host.Metrics.MetricsCollector? metrics, McpServer.Host.Metrics.CpuUsage cpu)
    {
        if (!FromThisMachine(http.Connection))
        {
            await RefuseAsync(http, """{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"/admin/status answers clients on this machine only; run mcp-server status on the server's host.","data":{"reason":"admin_loopback_only"}}}""").ConfigureAwait(false);
            return;
        }

        if (http.Request.Headers.ContainsKey("X-Forwarded-For") || http.Request.Headers.ContainsKey("Forwarded"))
        {
            // A proxy on this machine would make any client look local: what came through one is refused.
            await RefuseAsync(http, """{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"/admin/status does not answer requests that came through a proxy (X-Forwarded-For or Forwarded is set); run mcp-server status on the server's host, not through the proxy.","data":{"reason":"admin_forwarded"}}}""").ConfigureAwait(false);
            return;
        }

        var dispatcher = services.GetRequiredService<McpDispatcher>();
        var time = services.GetRequiredService<TimeProvider>();
        var sessions = dispatcher.Sessions.Sessions.ToArray();
        var process = Process.GetCurrentProcess();
        http.Response.ContentType = "application/json";
        await using var w = new Utf8JsonWriter(http.Response.Body, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("name", dispatcher.Options.ServerInfo.Name);
        w.WriteString("version", dispatcher.Options.ServerInfo.Version);
        w.WriteNumber("pid", Environment.ProcessId);
        w.WriteString("startedAt", startedAt);
        w.WriteNumber("uptimeSeconds", Math.Round((time.GetUtcNow() - startedAt).TotalSeconds));
        w.WriteString("state", ready ? "ready" : "draining");
        w.WriteStartArray("listeners");
        foreach (var address in services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            w.WriteStringValue(address + HostConstants.McpPath);
        }

        w.WriteEndArray();
        w.WriteStartObject("config");
        if (config is not null)
        {
            w.WriteString("path", config.Path);
            w.WriteNumber("version", config.Version);
            w.WriteString("hash", config.Hash);
            w.WriteString("appliedAt", config.AppliedAt);
        }
        else
        {
            w.WriteNull("path");
        }

        w.WriteString("logLevel", Logging.LogLevelSwitch.Current.ToString());
        w.WriteEndObject();
        w.WriteNumber("connections", connections);
        w.WriteNumber("sessions", sessions.Length);
        w.WriteNumber("inFlight", dispatcher.Sessions.InFlightRequests().Count);
        w.WriteNumber("subscriptions", dispatcher.SubscriptionCount);
        w.WriteStartObject("memory");
        w.WriteNumber("workingSetBytes", process.WorkingSet64);
        w.WriteNumber("managedHeapBytes", GC.GetTotalMemory(forceFullCollection: false));
        w.WriteNumber("gcCommittedBytes", GC.GetGCMemoryInfo().TotalCommittedBytes);
        w.WriteNumber("gen0Collections", GC.CollectionCount(0));
        w.WriteNumber("gen1Collections", GC.CollectionCount(1));
        w.WriteNumber("gen2Collections", GC.CollectionCount(2));
        w.WriteEndObject();
        w.WriteStartObject("cpu");
        w.WriteNumber("cores", Environment.ProcessorCount);
        w.WriteNumber("percentSinceStart", Math.Round(McpServer.Host.Metrics.CpuUsage.SinceStart(DateTime.Now - process.StartTime), 1));
        if (cpu.Latest is { } interval)
        {
            w.WriteNumber("percentLastInterval", Math.Round(interval.Percent, 1));
            w.WriteNumber("lastIntervalSeconds", Math.Round(interval.Length.TotalSeconds, 1));
        }

        w.WriteEndObject();
        if (metrics is null)
        {
            w.WriteNull("metrics");
        }
        else
        {
            w.WriteStartObject("metrics");
            WriteWindow(w, "sinceStart", metrics.SinceStart);
            if (metrics.Latest is { } latest)
            {
                WriteWindow(w, "lastInterval", latest);
            }

            w.WriteEndObject();
        }

        w.WriteStartObject("limits");
        w.WriteNumber("maxConnections", maxConnections);
        w.WriteNumber("maxSessions", services.GetRequiredService<Microsoft.Extensions.Options.IOptions<McpServer.Sessions.SessionOptions>>().Value.MaxSessions);
        w.WriteNumber("maxInFlightPerSession", dispatcher.Options.MaxInFlightPerSession);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>
    /// A loopback client, or one whose address is the connection's own local address: a TCP
    /// connection from another machine cannot carry this machine's address as its source.
    /// </summary>
    internal static bool FromThisMachine(ConnectionInfo connection)
    {
        if (connection.RemoteIpAddress is not { } remote)
        {
            return false;
        }

        remote = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        if (IPAddress.IsLoopback(remote))
        {
            return true;
        }

        var local = connection.LocalIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : connection.LocalIpAddress;
        return remote.Equals(local);
    }

    private static async Task RefuseAsync(HttpContext http, string body)
    {
        http.Response.StatusCode = StatusCodes.Status403Forbidden;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body).ConfigureAwait(false);
    }

    private static void WriteWindow(Utf8JsonWriter w, string name, McpServer.Host.Metrics.MetricsWindow window)
    {
        w.WriteStartObject(name);
        w.WriteNumber("seconds", Math.Round(window.Length.TotalSeconds, 1));
        w.WriteNumber("requests", window.Requests);
        w.WriteNumber("ratePerSecond", Math.Round(window.RatePerSecond, 2));
        w.WriteNumber("p50Ms", Math.Round(window.P50Ms, 3));
        w.WriteNumber("p99Ms", Math.Round(window.P99Ms, 3));
        w.WriteStartObject("errors");
        foreach (var (reason, count) in window.Errors)
        {
            w.WriteNumber(reason, count);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }
}
