using System.Text;
using System.Text.Json;
using McpServer.Protocol;

namespace McpServer.Tests.Protocol;

public sealed class SharedJsonValuesTests
{
    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    [Fact]
    public void Parse_SameBytes_ReturnsTheSameInstance()
    {
        var cache = new SharedJsonValues<Implementation>(McpJsonContext.Default.Implementation);

        var first = cache.Parse(Utf8("""{"name":"client","version":"1.0.0"}"""));
        var second = cache.Parse(Utf8("""{"name":"client","version":"1.0.0"}"""));

        Assert.Equal("client", first!.Name);
        Assert.Same(first, second);
    }

    [Fact]
    public void Parse_OtherBytes_NeverReturnAnotherValue()
    {
        var cache = new SharedJsonValues<Implementation>(McpJsonContext.Default.Implementation);
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal("v" + i, cache.Parse(Utf8($$"""{"name":"client","version":"v{{i}}"}"""))!.Version);
            }
        }
    }

    [Fact]
    public void Parse_FewDistinctClients_AreAllKept()
    {
        var cache = new SharedJsonValues<Implementation>(McpJsonContext.Default.Implementation);
        var clients = Enumerable.Range(0, 4).Select(i => Utf8($$"""{"name":"client{{i}}","version":"1"}""")).ToArray();
        var first = clients.Select(c => cache.Parse(c)).ToArray();

        var again = clients.Select(c => cache.Parse(c)).ToArray();

        Assert.All(Enumerable.Range(0, clients.Length), i => Assert.Same(first[i], again[i]));
    }

    [Fact]
    public void Parse_LongJson_IsParsedButNotKept()
    {
        var cache = new SharedJsonValues<Implementation>(McpJsonContext.Default.Implementation);
        var json = Utf8($$"""{"name":"{{new string('x', SharedJsonValues<Implementation>.MaxBytes)}}","version":"1"}""");

        var first = cache.Parse(json);
        var second = cache.Parse(json);

        Assert.Equal(first!.Name, second!.Name);
        Assert.NotSame(first, second);
    }

    [Fact]
    public void Parse_InvalidJson_ThrowsAsTheSerializerDoes()
    {
        var cache = new SharedJsonValues<Implementation>(McpJsonContext.Default.Implementation);

        Assert.ThrowsAny<JsonException>(() => cache.Parse(Utf8("""{"name":5}""")));
        Assert.ThrowsAny<JsonException>(() => cache.Parse(Utf8("""{"name":5}""")));
    }
}
