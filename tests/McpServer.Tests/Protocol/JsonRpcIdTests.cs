using System.Text;
using System.Text.Json;
using McpServer.Protocol;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Protocol;

public sealed class JsonRpcIdTests
{
    [Fact]
    public void Equals_SameNumber_IsEqual()
    {
        Assert.Equal(new JsonRpcId(42), new JsonRpcId(42));
        Assert.True(new JsonRpcId(42) == new JsonRpcId(42));
        Assert.Equal(new JsonRpcId(42).GetHashCode(), new JsonRpcId(42).GetHashCode());
    }

    [Fact]
    public void Equals_SameString_IsEqual()
    {
        Assert.Equal(new JsonRpcId("a"), new JsonRpcId("a"));
        Assert.Equal(new JsonRpcId("a").GetHashCode(), new JsonRpcId("a").GetHashCode());
    }

    [Fact]
    public void Equals_NumberAndItsStringForm_AreDifferent()
    {
        Assert.NotEqual(new JsonRpcId(1), new JsonRpcId("1"));
        Assert.True(new JsonRpcId(1) != new JsonRpcId("1"));
    }

    [Fact]
    public void Equals_StringIdsDifferingInCase_AreDifferent()
    {
        Assert.NotEqual(new JsonRpcId("a"), new JsonRpcId("A"));
    }

    [Fact]
    public void Ctor_NullString_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => new JsonRpcId(null!));
    }

    [Theory]
    [InlineData(5L, "5")]
    [InlineData(-1L, "-1")]
    public void ToString_Number_IsTheNumber(long value, string expected)
    {
        Assert.Equal(expected, new JsonRpcId(value).ToString());
    }

    [Fact]
    public void ToString_String_IsQuoted()
    {
        Assert.Equal("\"abc\"", new JsonRpcId("abc").ToString());
    }

    [Fact]
    public void WriteTo_NumberAndString_WritesJsonValues()
    {
        Assert.Equal("-7", Write(new JsonRpcId(-7)));
        Assert.Equal("x\"y", Wire.Parse(Write(new JsonRpcId("x\"y"))).GetString());
    }

    [Theory]
    [InlineData("\"s\"", true, true)]
    [InlineData("12", true, false)]
    [InlineData("1.5", false, false)]
    [InlineData("null", false, false)]
    [InlineData("{}", false, false)]
    public void TryFrom_Element_AcceptsStringsAndIntegers(string json, bool ok, bool isString)
    {
        Assert.Equal(ok, JsonRpcId.TryFrom(Wire.Parse(json), out var id));
        if (ok)
        {
            Assert.Equal(isString, id.IsString);
        }
    }

    [Theory]
    [InlineData("\"s\"", true)]
    [InlineData("-3", true)]
    [InlineData("1e30", false)]
    [InlineData("true", false)]
    public void TryRead_Reader_AcceptsStringsAndIntegers(string json, bool ok)
    {
        var reader = new Utf8JsonReader(Wire.Utf8(json));
        reader.Read();

        Assert.Equal(ok, JsonRpcId.TryRead(ref reader, out _));
    }

    private static string Write(JsonRpcId id)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            id.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
