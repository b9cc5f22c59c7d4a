using McpServer.AspNetCore.Security;
using McpServer.Sessions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace McpServer.Tests.Security;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ApiKeyStoreTests : IDisposable
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mcp-keys-");
    private readonly FakeTimeProvider _time = new(s_start);

    public void Dispose() => _dir.Delete(recursive: true);

    private string KeysPath => Path.Combine(_dir.FullName, ApiKeyFile.DefaultFileName);

    private string AddKey(ApiKeyFileContent content, string name, DateTimeOffset? expires = null, params string[] scopes)
    {
        var (id, key) = ApiKeyFormat.Generate();
        content.Keys.Add(new ApiKeyRecord { Id = id, Name = name, Created = s_start, Expires = expires, Scopes = scopes.Length > 0 ? scopes : [.. ClientAccess.DefaultScopes], Hash = ApiKeyFormat.Hash(key) });
        return key;
    }

    private ApiKeyStore Open() => new(KeysPath, _time, NullLogger<ApiKeyStore>.Instance, pollInterval: Timeout.InfiniteTimeSpan);

    [Fact]
    public void Generate_MakesKeysOfTheDocumentedShape_EachDifferent()
    {
        var (id, key) = ApiKeyFormat.Generate();
        var (_, other) = ApiKeyFormat.Generate();

        Assert.StartsWith("mcpk_" + id + "_", key, StringComparison.Ordinal);
        Assert.Equal(ApiKeyFormat.KeyLength, key.Length);
        Assert.Equal(61, key.Length);
        Assert.True(ApiKeyFormat.IsId(id));
        Assert.True(ApiKeyFormat.TryGetId(key, out var parsed));
        Assert.Equal(id, parsed.ToString());
        Assert.NotEqual(key, other);
        // 43 base64url characters carry the 256 random bits.
        Assert.Equal(43, key.Length - ("mcpk_".Length + 12 + 1));
    }

    [Theory]
    [InlineData("")]
    [InlineData("mcpk_")]
    [InlineData("sk-0123456789abcdef")]
    [InlineData("mcpk_0123456789AB_CfqH5NNmXuW56GCooPdOkVkyjk5qmx1TTJDWmNGJK9Y")]
    [InlineData("mcpk_0123456789ab-CfqH5NNmXuW56GCooPdOkVkyjk5qmx1TTJDWmNGJK9Y")]
    [InlineData("mcpk_0123456789ab_CfqH5NNmXuW56GCooPdOkVkyjk5qmx1TTJDWmNGJK9Yx")]
    public void TryGetId_RefusesAnythingButAKey(string text) => Assert.False(ApiKeyFormat.TryGetId(text, out _));

    [Fact]
    public void Hash_RoundTrips_AndMatchesOnlyTheSameKey()
    {
        var (_, key) = ApiKeyFormat.Generate();
        var (_, other) = ApiKeyFormat.Generate();
        var stored = ApiKeyFormat.ParseHash(ApiKeyFormat.Hash(key));

        Assert.StartsWith("sha256:", ApiKeyFormat.Hash(key), StringComparison.Ordinal);
        Assert.DoesNotContain(key[18..], ApiKeyFormat.Hash(key), StringComparison.Ordinal);
        Assert.True(ApiKeyFormat.Matches(ApiKeyFormat.Digest(key), stored));
        Assert.False(ApiKeyFormat.Matches(ApiKeyFormat.Digest(other), stored));
        Assert.Null(ApiKeyFormat.ParseHash("md5:abc"));
        Assert.Null(ApiKeyFormat.ParseHash("sha256:!!"));
    }

    [Fact]
    public void Check_ValidKey_GivesItsAccess_OthersGetTheirReason()
    {
        var content = new ApiKeyFileContent();
        var full = AddKey(content, "full");
        var echoOnly = AddKey(content, "echo", null, "tools:call:echo");
        ApiKeyFile.Write(KeysPath, content);
        using var store = Open();

        var valid = store.Check(full);
        Assert.Equal(ApiKeyCheck.Valid, valid.Outcome);
        Assert.True(valid.Access!.AllTools);
        Assert.True(valid.Access.CanReadResources);
        Assert.False(valid.Access.IsAdmin);

        var limited = store.Check(echoOnly).Access!;
        Assert.True(limited.CanCallTool("echo"));
        Assert.False(limited.CanCallTool("add"));
        Assert.False(limited.CanReadResources);

        var wrongSecret = full[..^1] + (full[^1] == 'A' ? 'B' : 'A');
        Assert.Equal(new ApiKeyResult(ApiKeyCheck.Invalid, content.Keys[0].Id, null), store.Check(wrongSecret));
        Assert.Equal(ApiKeyCheck.Invalid, store.Check("mcpk_ffffffffffff_" + full[18..]).Outcome);
        Assert.Equal(new ApiKeyResult(ApiKeyCheck.Invalid, null, null), store.Check("not-a-key"));
    }

    [Fact]
    public void Check_ExpiryTakesEffectWhenTheClockPassesIt_WithoutReload()
    {
        var content = new ApiKeyFileContent();
        var key = AddKey(content, "short", s_start.AddMinutes(30));
        ApiKeyFile.Write(KeysPath, content);
        using var store = Open();

        Assert.Equal(ApiKeyCheck.Valid, store.Check(key).Outcome);
        _time.Advance(TimeSpan.FromMinutes(29) + TimeSpan.FromSeconds(59));
        Assert.Equal(ApiKeyCheck.Valid, store.Check(key).Outcome);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ApiKeyCheck.Expired, store.Check(key).Outcome);
    }

    [Fact]
    public void Refresh_AppliesRevocationAndRotation_OldSecretWorksForItsOverlapOnly()
    {
        var content = new ApiKeyFileContent();
        var key = AddKey(content, "ci");
        var revoked = AddKey(content, "old");
        ApiKeyFile.Write(KeysPath, content);
        using var store = Open();
        Assert.Equal(ApiKeyCheck.Valid, store.Check(revoked).Outcome);

        var record = content.Keys[0];
        var rotated = ApiKeyFormat.Generate(record.Id);
        record.PreviousHash = record.Hash;
        record.PreviousExpires = s_start.AddHours(1);
        record.Hash = ApiKeyFormat.Hash(rotated);
        content.Keys[1].Revoked = s_start;
        ApiKeyFile.Write(KeysPath, content);
        store.Refresh();

        Assert.Equal(ApiKeyCheck.Revoked, store.Check(revoked).Outcome);
        Assert.Equal(ApiKeyCheck.Valid, store.Check(rotated).Outcome);
        Assert.Equal(ApiKeyCheck.Valid, store.Check(key).Outcome);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(ApiKeyCheck.Expired, store.Check(key).Outcome);
        Assert.Equal(ApiKeyCheck.Valid, store.Check(rotated).Outcome);
    }

    [Fact]
    public void Check_SameHeaderStringAgain_StillSeesExpiryAndRevocation()
    {
        var content = new ApiKeyFileContent();
        var key = AddKey(content, "ci", s_start.AddMinutes(10));
        ApiKeyFile.Write(KeysPath, content);
        using var store = Open();
        var header = "Bearer " + key;

        Assert.Equal(ApiKeyCheck.Valid, store.Check(header, header.AsSpan(7)).Outcome);
        Assert.Equal(ApiKeyCheck.Valid, store.Check(header, header.AsSpan(7)).Outcome);
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(ApiKeyCheck.Expired, store.Check(header, header.AsSpan(7)).Outcome);

        content.Keys[0].Expires = null;
        content.Keys[0].Revoked = s_start;
        ApiKeyFile.Write(KeysPath, content);
        store.Refresh();
        Assert.Equal(ApiKeyCheck.Revoked, store.Check(header, header.AsSpan(7)).Outcome);

        // Another key in the same kind of header: the cache is by string identity, never by content.
        var other = "Bearer " + key[..^1] + (key[^1] == 'A' ? 'B' : 'A');
        Assert.Equal(ApiKeyCheck.Invalid, store.Check(other, other.AsSpan(7)).Outcome);
    }

    [Fact]
    public void Refresh_BrokenFile_KeepsTheKeysReadBefore()
    {
        var content = new ApiKeyFileContent();
        var key = AddKey(content, "ci");
        ApiKeyFile.Write(KeysPath, content);
        using var store = Open();

        File.WriteAllText(KeysPath, "{ \"version\": 1, \"keys\": [ { \"id\": \"zz\" ");
        store.Refresh();

        Assert.True(store.Enabled);
        Assert.Equal(ApiKeyCheck.Valid, store.Check(key).Outcome);
    }

    [Fact]
    public void UnreadableFileAtStart_RefusesEveryKey_UntilItCanBeRead()
    {
        var content = new ApiKeyFileContent();
        var key = AddKey(content, "ci");
        File.WriteAllText(KeysPath, "{ not json");
        using var store = Open();

        Assert.True(store.Enabled);
        Assert.Equal(ApiKeyCheck.Invalid, store.Check(key).Outcome);

        ApiKeyFile.Write(KeysPath, content);
        store.Refresh();
        Assert.Equal(ApiKeyCheck.Valid, store.Check(key).Outcome);
    }

    [Fact]
    public void Enabled_WhileAnyKeyIsListed_RevokedOnesIncluded()
    {
        using (var empty = Open())
        {
            Assert.False(empty.Enabled);
        }

        var content = new ApiKeyFileContent();
        AddKey(content, "gone");
        content.Keys[0].Revoked = s_start;
        ApiKeyFile.Write(KeysPath, content);
        using var store = Open();

        Assert.True(store.Enabled);
    }

    [Fact]
    public void Write_CreatesTheFileForItsOwnerOnly()
    {
        ApiKeyFile.Write(KeysPath, new ApiKeyFileContent());

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeysPath));
    }

    [Fact]
    public void Dispose_WritesWhenEachKeyWasLastUsed()
    {
        var content = new ApiKeyFileContent();
        var key = AddKey(content, "ci");
        ApiKeyFile.Write(KeysPath, content);
        using (var store = Open())
        {
            _time.Advance(TimeSpan.FromMinutes(5));
            Assert.Equal(ApiKeyCheck.Valid, store.Check(key).Outcome);
        }

        var usage = ApiKeyFile.ReadUsage(KeysPath);
        Assert.Equal(s_start.AddMinutes(5), usage[content.Keys[0].Id]);
        Assert.DoesNotContain(key, File.ReadAllText(ApiKeyFile.UsagePath(KeysPath)), StringComparison.Ordinal);
    }

    [Fact]
    public void ClientAccess_ReadsEveryScope_IgnoresUnknownOnes()
    {
        var access = new ClientAccess("k", ["tools:call:echo", "tools:call:add", "prompts:get", "admin", "tools:call:", "bogus"]);

        Assert.False(access.AllTools);
        Assert.True(access.AnyTool);
        Assert.True(access.CanCallTool("echo"));
        Assert.True(access.CanCallTool("add"));
        Assert.False(access.CanCallTool("sleep"));
        Assert.False(access.CanCallTool(string.Empty));
        Assert.True(access.CanGetPrompts);
        Assert.False(access.CanReadResources);
        Assert.True(access.IsAdmin);
        Assert.False(new ClientAccess("k", ["resources:read"]).AnyTool);
    }
}
