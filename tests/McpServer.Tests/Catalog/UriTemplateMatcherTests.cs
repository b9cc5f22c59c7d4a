using McpServer.Catalog;

namespace McpServer.Tests.Catalog;

public sealed class UriTemplateMatcherTests
{
    [Fact]
    public void TryMatch_SimpleVariable_CapturesOneSegment()
    {
        var matcher = new UriTemplateMatcher("file:///logs/{name}");

        Assert.True(matcher.TryMatch("file:///logs/app.log", out var vars));

        Assert.Equal("app.log", Assert.Single(vars).Value);
        Assert.Equal(["name"], matcher.VariableNames);
    }

    [Theory]
    [InlineData("file:///logs/a/b")]
    [InlineData("file:///logs/")]
    [InlineData("file:///logs/a?b")]
    [InlineData("file:///logs/a#b")]
    [InlineData("xfile:///logs/a")]
    [InlineData("file:///LOGS/a")]
    public void TryMatch_SimpleVariable_RefusesWhatIsNotOneSegment(string uri)
    {
        var matcher = new UriTemplateMatcher("file:///logs/{name}");

        Assert.False(matcher.TryMatch(uri, out _));
    }

    [Fact]
    public void TryMatch_ReservedVariable_CapturesSlashes()
    {
        var matcher = new UriTemplateMatcher("file:///{+path}");

        Assert.True(matcher.TryMatch("file:///a/b/c.txt?x=1", out var vars));

        Assert.Equal("a/b/c.txt?x=1", vars["path"]);
    }

    [Fact]
    public void TryMatch_SeveralVariables_CapturesEach()
    {
        var matcher = new UriTemplateMatcher("db://{schema}/tables/{table}/rows");

        Assert.True(matcher.TryMatch("db://public/tables/users/rows", out var vars));

        Assert.Equal("public", vars["schema"]);
        Assert.Equal("users", vars["table"]);
        Assert.Equal(["schema", "table"], matcher.VariableNames);
    }

    [Fact]
    public void TryMatch_PercentEncoded_IsDecoded()
    {
        var matcher = new UriTemplateMatcher("mem://{key}");

        Assert.True(matcher.TryMatch("mem://a%20b%2Fc%C3%A9", out var vars));

        Assert.Equal("a b/cé", vars["key"]);
    }

    [Fact]
    public void TryMatch_RegexCharactersInLiteral_AreLiteral()
    {
        var matcher = new UriTemplateMatcher("res://x.y/(a)+{id}");

        Assert.True(matcher.TryMatch("res://x.y/(a)+1", out _));
        Assert.False(matcher.TryMatch("res://xzy/(a)+1", out _));
        Assert.False(matcher.TryMatch("res://x.y/aa1", out _));
    }

    [Fact]
    public void TryMatch_NoVariables_MatchesExactly()
    {
        var matcher = new UriTemplateMatcher("mem://fixed");

        Assert.True(matcher.TryMatch("mem://fixed", out var vars));
        Assert.Empty(vars);
        Assert.False(matcher.TryMatch("mem://fixed/", out _));
    }

    [Fact]
    public void Ctor_UnclosedBrace_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new UriTemplateMatcher("file:///{name"));

        Assert.Contains("unclosed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ctor_DottedVariableName_Matches()
    {
        var matcher = new UriTemplateMatcher("users://{user.id}");

        Assert.True(matcher.TryMatch("users://42", out var vars));
        Assert.Equal("42", vars["user.id"]);
    }
}
