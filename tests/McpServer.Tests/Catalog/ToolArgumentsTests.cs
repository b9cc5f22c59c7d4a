using System.Text.Json;
using McpServer.Catalog;
using McpServer.Protocol;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Catalog;

public sealed class ToolArgumentsTests
{
    private static readonly ToolArguments s_args = new(Wire.Utf8("""{"nested":{"text":"inner","n":0},"list":[{"text":"x"}],"text":"hi","n":2.5,"i":3,"flag":true,"off":false,"nothing":null,"str":"7"}"""));

    [Fact]
    public void TryGetString_TopLevelMember_SkipsNestedMembersOfTheSameName()
    {
        Assert.True(s_args.TryGetString("text", out var value));
        Assert.Equal("hi", value);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("n")]
    [InlineData("flag")]
    [InlineData("nothing")]
    [InlineData("nested")]
    [InlineData("TEXT")]
    public void TryGetString_MissingOrNotAString_ReturnsFalseAndEmpty(string name)
    {
        Assert.False(s_args.TryGetString(name, out var value));
        Assert.Equal(string.Empty, value);
    }

    [Theory]
    [InlineData("n", 2.5)]
    [InlineData("i", 3.0)]
    public void TryGetDouble_Number_ReturnsIt(string name, double expected)
    {
        Assert.True(s_args.TryGetDouble(name, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("str")]
    [InlineData("missing")]
    [InlineData("flag")]
    public void TryGetDouble_NotANumber_ReturnsFalseAndZero(string name)
    {
        Assert.False(s_args.TryGetDouble(name, out var value));
        Assert.Equal(0, value);
    }

    [Fact]
    public void TryGetBoolean_TrueAndFalse_ReturnsThem()
    {
        Assert.True(s_args.TryGetBoolean("flag", out var on));
        Assert.True(on);
        Assert.True(s_args.TryGetBoolean("off", out var off));
        Assert.False(off);
        Assert.False(s_args.TryGetBoolean("str", out _));
    }

    [Fact]
    public void TryGetString_EscapedMemberName_Matches()
    {
        var args = new ToolArguments(Wire.Utf8("""{"t\u0065xt":"escaped"}"""));

        Assert.True(args.TryGetString("text", out var value));
        Assert.Equal("escaped", value);
    }

    [Fact]
    public void GetRequiredString_Missing_ThrowsInvalidArguments()
    {
        var ex = Assert.Throws<McpProtocolException>(() => s_args.GetRequiredString("missing"));

        Assert.Equal(McpErrorCode.InvalidParams, ex.Code);
        Assert.Equal("invalid_arguments", ex.Reason);
        Assert.Contains("'missing'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetRequiredDouble_NotANumber_ThrowsInvalidArguments()
    {
        var ex = Assert.Throws<McpProtocolException>(() => s_args.GetRequiredDouble("text"));

        Assert.Equal("invalid_arguments", ex.Reason);
        Assert.Equal(2.5, s_args.GetRequiredDouble("n"));
        Assert.Equal("hi", s_args.GetRequiredString("text"));
    }

    [Fact]
    public void Empty_ToStringJsonAndDeserialize_ActAsAnEmptyObject()
    {
        var args = new ToolArguments(default);

        Assert.True(args.IsEmpty);
        Assert.Equal("{}", args.ToString());
        Assert.Equal("{}", args.ToJsonElement().GetRawText());
        Assert.Null(args.Deserialize(McpJsonContext.Default.DictionaryStringString));
    }

    [Fact]
    public void Empty_EveryGetter_ReturnsFalse()
    {
        var args = new ToolArguments(default);

        Assert.False(args.TryGetString("a", out _));
        Assert.False(args.TryGetDouble("a", out _));
        Assert.False(args.TryGetBoolean("a", out _));
        Assert.Equal("invalid_arguments", Assert.Throws<McpProtocolException>(() => args.GetRequiredString("a")).Reason);
    }

    [Fact]
    public void TryGetString_RawIsNotAnObject_ReturnsFalse()
    {
        var args = new ToolArguments(Wire.Utf8("""["text","hi"]"""));

        Assert.False(args.TryGetString("text", out _));
    }

    [Fact]
    public void Deserialize_SourceGeneratedType_Binds()
    {
        var args = new ToolArguments(Wire.Utf8("""{"a":"1","b":"2"}"""));

        var dict = args.Deserialize(McpJsonContext.Default.DictionaryStringString);

        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, dict);
    }

    [Fact]
    public void ToStringAndToJsonElement_KeepTheRawJson()
    {
        const string Raw = """{ "a" : [1, 2] }""";
        var args = new ToolArguments(Wire.Utf8(Raw));

        Assert.Equal(Raw, args.ToString());
        Assert.Equal(2, args.ToJsonElement().GetProperty("a").GetArrayLength());
    }

    [Theory]
    [InlineData(1.5, "1.5")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(-0.0, "-0")]
    [InlineData(1e21, "1E+21")]
    public void Format_Double_RoundTripsInvariant(double value, string expected)
    {
        Assert.Equal(expected, ToolArguments.Format(value));
    }
}
