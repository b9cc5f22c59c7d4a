using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace McpServer.Host;

/// <summary>
/// The one endpoint Kestrel listens on, as configuration Kestrel watches: changing it makes Kestrel
/// bind the new address and release the old one without a restart (a reload of server.host or
/// server.port).
/// </summary>
internal sealed class ListenConfiguration : ConfigurationProvider, IConfigurationSource
{
    public const string EndpointName = "Mcp";
    private const string UrlKey = "Endpoints:" + EndpointName + ":Url";

    private readonly string _scheme;

    public ListenConfiguration(IPAddress address, int port, bool tls = false)
    {
        _scheme = tls ? "https" : "http";
        Data[UrlKey] = UrlFor(address, port, _scheme);
    }

    public string Url => Data[UrlKey]!;

    public IConfiguration Build() => new ConfigurationBuilder().Add(this).Build();

    IConfigurationProvider IConfigurationSource.Build(IConfigurationBuilder builder) => this;

    /// <summary>Points the endpoint elsewhere; Kestrel rebinds when it sees the change.</summary>
    public void Set(IPAddress address, int port)
    {
        Data[UrlKey] = UrlFor(address, port, _scheme);
        OnReload();
    }

    public static string UrlFor(IPAddress address, int port, string scheme = "http")
    {
        var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
        return scheme + "://" + host + ":" + port.ToString(CultureInfo.InvariantCulture);
    }
}
