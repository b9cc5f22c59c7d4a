using System.Collections;
using McpServer.AspNetCore.Security;
using McpServer.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace McpServer.Host.Metrics;

/// <summary>
/// Exports the server's instruments with OpenTelemetry: at <c>/metrics</c> in the Prometheus text
/// format, and over OTLP (metrics, and one span per request) when an endpoint is configured.
/// </summary>
internal static class Telemetry
{
    /// <summary>The scrape path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The runtime's own meter (.NET 9 and later): GC, memory, CPU time, thread pool, exceptions.</summary>
    public const string RuntimeMeter = "System.Runtime";

    // Metrics with a series per method, tool and outcome (or reason and code).
    private static readonly HashSet<string> ManySeries = new(StringComparer.Ordinal) { "mcp.server.request.duration", "mcp.server.request.errors", "mcp.server.tool.calls" };

    /// <summary>Registers the providers the settings ask for.</summary>
    public static void Add(IServiceCollection services, IConfigurationManager configuration, ServeSettings settings, bool prometheus)
    {
        var otlp = settings.OtlpEndpoint is not null;
        if (!settings.Metrics && !otlp)
        {
            return;
        }

        // The empty host reads no environment; the SDK's own variables (OTEL_SERVICE_NAME,
        // OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS, ...) are passed on to it.
        var otel = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            if (variable.Key is string name && name.StartsWith("OTEL_", StringComparison.Ordinal))
            {
                otel[name] = variable.Value as string;
            }
        }

        if (otel.Count > 0)
        {
            configuration.AddInMemoryCollection(otel);
        }

        var version = typeof(McpMetrics).Assembly.GetName().Version?.ToString(3);
        var serviceName = otel.TryGetValue("OTEL_SERVICE_NAME", out var named) && !string.IsNullOrEmpty(named) ? named : "mcp-server";
        var builder = services.AddOpenTelemetry().ConfigureResource(r => r.AddService(serviceName, serviceVersion: version));
        if (settings.Metrics)
        {
            builder.WithMetrics(m =>
            {
                m.AddMeter(McpMetrics.MeterName, RuntimeMeter);
                // The SDK reserves every series a metric may have up front (2 000 by default, about 4 MB
                // for all of them at idle). The request metrics have a series per method, tool and
                // outcome; the others a handful.
                m.AddView(static instrument => new MetricStreamConfiguration { CardinalityLimit = ManySeries.Contains(instrument.Name) ? 2000 : 100 });
                if (prometheus)
                {
                    m.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                }

                if (otlp)
                {
                    m.AddOtlpExporter((exporter, reader) =>
                    {
                        Configure(exporter, settings, "v1/metrics");
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)settings.OtlpExportInterval.TotalMilliseconds;
                    });
                }
            });
        }

        if (otlp)
        {
            builder.WithTracing(t => t
                .AddSource(McpTracing.SourceName)
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(settings.TraceSamplePercent / 100.0)))
                .AddOtlpExporter(exporter => Configure(exporter, settings, "v1/traces")));
        }
    }

    /// <summary>Serves <c>/metrics</c>; with authentication on, to a key or token with the admin scope.</summary>
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(static async (http, next) =>
        {
            var authenticator = http.RequestServices.GetRequiredService<McpAuthenticator>();
            if (!authenticator.Enabled || await authenticator.AdmitOperatorAsync(http).ConfigureAwait(false))
            {
                await next(http).ConfigureAwait(false);
            }
        }), optionsName: null);

    private static void Configure(OtlpExporterOptions exporter, ServeSettings settings, string signalPath)
    {
        exporter.Protocol = settings.OtlpProtocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        var endpoint = new Uri(settings.OtlpEndpoint!);
        // Over http/protobuf each signal has its own path under the collector's base address (as the
        // OTEL_EXPORTER_OTLP_ENDPOINT convention says); an endpoint set in code is used as given.
        exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath)
            : endpoint;
    }
}
