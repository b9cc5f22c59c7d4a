using System.Text;
using McpServer.Engine;

namespace McpServer.Tests.Engine;

public sealed class LogRedactionTests
{
    [Fact]
    public void SecretLookingMembers_AreReplaced_OthersKept()
    {
        var json = """{"name":"login","arguments":{"user":"ann","password":"hunter2","apiKey":{"v":"k-123"},"AUTHORIZATION":"Bearer abc","count":3,"list":[1,true,null],"tokens":["t1","t2"]}}""";

        var logged = LogRedaction.Redact(Encoding.UTF8.GetBytes(json));

        Assert.Equal("""{"name":"login","arguments":{"user":"ann","password":"[redacted]","apiKey":"[redacted]","AUTHORIZATION":"[redacted]","count":3,"list":[1,true,null],"tokens":"[redacted]"}}""", logged);
        foreach (var secret in new[] { "hunter2", "k-123", "Bearer abc", "t1" })
        {
            Assert.DoesNotContain(secret, logged, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void InvalidJson_IsNotLogged()
    {
        Assert.Equal("(not logged: not valid JSON)", LogRedaction.Redact("{\"password\":"u8));
    }
}
