using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using McpServer.FunctionalTests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace McpServer.FunctionalTests;

/// <summary>
/// The server as an OAuth 2.1 resource server: an authorization server played by the test (its
/// OpenID configuration and JWKS served on loopback, tokens signed with its RSA key), the real server
/// validating them, and raw HTTP and the official C# SDK client presenting them.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OAuthTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Audience = "https://mcp.example.test/mcp";
    private readonly RSA _signing = RSA.Create(2048);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mcp-oauth-");
    private readonly List<string> _tokens = [];
    private HttpListener? _issuer;
    private string _issuerUrl = string.Empty;
    private ServerProcess? _server;

    public async Task InitializeAsync()
    {
        var port = Ports.Free();
        _issuerUrl = $"http://127.0.0.1:{port}";
        _issuer = new HttpListener();
        _issuer.Prefixes.Add(_issuerUrl + "/");
        _issuer.Start();
        _ = ServeIssuerAsync(_issuer);

        var config = Path.Combine(_dir.FullName, "mcp-server.json");
        await File.WriteAllTextAsync(config, $$"""
            { "auth": { "oauthIssuer": "{{_issuerUrl}}", "oauthAudience": "{{Audience}}", "oauthRequireHttpsMetadata": false } }
            """);
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _server = await ServerProcess.StartHttpAsync(output, "--config", config, "--keys-file", Path.Combine(_dir.FullName, "none.keys.json"));
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            foreach (var line in _server.Lines)
            {
                foreach (var token in _tokens)
                {
                    Assert.DoesNotContain(token[(token.LastIndexOf('.') + 1)..], line, StringComparison.Ordinal);
                }
            }
        }

        _issuer?.Close();
        _signing.Dispose();
        _dir.Delete(recursive: true);
    }

    // The authorization server's two documents: discovery and keys.
    private async Task ServeIssuerAsync(HttpListener listener)
    {
        var parameters = _signing.ExportParameters(false);
        var jwks = JsonSerializer.Serialize(new { keys = new[] { new { kty = "RSA", kid = "k1", use = "sig", alg = "RS256", n = Base64Url.EncodeToString(parameters.Modulus), e = Base64Url.EncodeToString(parameters.Exponent) } } });
        var discovery = JsonSerializer.Serialize(new { issuer = _issuerUrl, jwks_uri = _issuerUrl + "/jwks", token_endpoint = _issuerUrl + "/token", response_types_supported = new[] { "code" } });
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var body = context.Request.Url!.AbsolutePath switch
            {
                "/.well-known/openid-configuration" => discovery,
                "/jwks" => jwks,
                _ => null,
            };
            context.Response.StatusCode = body is null ? 404 : 200;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body ?? "{}");
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private string Token(string scope, string? audience = Audience, TimeSpan? expiresIn = null, RSA? key = null)
    {
        var now = DateTime.UtcNow;
        var expires = now + (expiresIn ?? TimeSpan.FromMinutes(10));
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _issuerUrl,
            Audience = audience,
            IssuedAt = expires.AddMinutes(-20),
            NotBefore = expires.AddMinutes(-20),
            Expires = expires,
            Claims = new Dictionary<string, object> { ["sub"] = "alice", ["scope"] = scope },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key ?? _signing) { KeyId = "k1" }, SecurityAlgorithms.RsaSha256),
        });
        _tokens.Add(token);
        return token;
    }

    private static HttpRequestMessage Call(RawMcpHttp raw, string tool, string arguments, string? token)
    {
        var request = raw.PostStateless(1, "tools/call", "\"name\":\"" + tool + "\",\"arguments\":" + arguments, tool);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        return request;
    }

    [Fact]
    public async Task ValidToken_CallsWhatItsScopeAllows()
    {
        using var raw = new RawMcpHttp(_server!.McpUrl!);
        var token = Token("tools:call:echo");

        var echo = await raw.SendAsync(Call(raw, "echo", """{"text":"via oauth"}""", token));
        var add = await raw.SendAsync(Call(raw, "add", """{"a":1,"b":2}""", token));
        var listRequest = raw.PostStateless(2, "tools/list", string.Empty);
        listRequest.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        var tools = (await raw.SendAsync(listRequest)).Message().GetProperty("result").GetProperty("tools");

        Assert.Equal(HttpStatusCode.OK, echo.Status);
        Assert.Equal("via oauth", echo.Message().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        add.AssertError(HttpStatusCode.Forbidden, 1002, "insufficient_scope");
        Assert.Equal(["echo"], tools.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Refusals_SayWhyAndWhereTheAuthorizationServerIs()
    {
        using var raw = new RawMcpHttp(_server!.McpUrl!);
        using var other = RSA.Create(2048);

        var missing = await raw.SendAsync(Call(raw, "echo", """{"text":"x"}""", null));
        var expired = await raw.SendAsync(Call(raw, "echo", """{"text":"x"}""", Token("tools:call", expiresIn: TimeSpan.FromMinutes(-5))));
        var wrongAudience = await raw.SendAsync(Call(raw, "echo", """{"text":"x"}""", Token("tools:call", audience: "https://elsewhere.example/mcp")));
        var wrongKey = await raw.SendAsync(Call(raw, "echo", """{"text":"x"}""", Token("tools:call", key: other)));
        var apiKeyShape = await raw.SendAsync(Call(raw, "echo", """{"text":"x"}""", "mcpk_000000000000_" + new string('a', 43)));

        missing.AssertError(HttpStatusCode.Unauthorized, 1002, "missing_credentials");
        Assert.Equal($"Bearer realm=\"mcp-server\", resource_metadata=\"https://mcp.example.test/.well-known/oauth-protected-resource\"", Assert.Single(missing.Headers.WwwAuthenticate).ToString());
        expired.AssertError(HttpStatusCode.Unauthorized, 1002, "expired_credentials");
        wrongAudience.AssertError(HttpStatusCode.Unauthorized, 1002, "invalid_credentials");
        wrongKey.AssertError(HttpStatusCode.Unauthorized, 1002, "invalid_credentials");
        apiKeyShape.AssertError(HttpStatusCode.Unauthorized, 1002, "invalid_credentials");
        Assert.Contains("error=\"invalid_token\"", Assert.Single(wrongKey.Headers.WwwAuthenticate).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProtectedResourceMetadata_NamesTheResourceAndItsAuthorizationServer()
    {
        using var http = new HttpClient();
        using var metadata = JsonDocument.Parse(await http.GetStringAsync(new Uri(_server!.BaseUrl!, "/.well-known/oauth-protected-resource")));
        var root = metadata.RootElement;

        Assert.Equal(Audience, root.GetProperty("resource").GetString());
        Assert.Equal([_issuerUrl], root.GetProperty("authorization_servers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["header"], root.GetProperty("bearer_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("tools:call", root.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task OfficialCSharpSdkClient_WithAToken_CallsTools()
    {
        var headers = new Dictionary<string, string> { ["Authorization"] = "Bearer " + Token("tools:call resources:read prompts:get") };
        await using var client = await ModelContextProtocol.Client.McpClient.CreateAsync(
            new ModelContextProtocol.Client.HttpClientTransport(new ModelContextProtocol.Client.HttpClientTransportOptions { Endpoint = _server!.McpUrl!, TransportMode = ModelContextProtocol.Client.HttpTransportMode.StreamableHttp, AdditionalHeaders = headers }),
            new ModelContextProtocol.Client.McpClientOptions { ProtocolVersion = "2025-11-25" });

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "sdk with a token" });
        var resources = await client.ListResourcesAsync();

        Assert.Equal("sdk with a token", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.NotEmpty(resources);
    }
}
