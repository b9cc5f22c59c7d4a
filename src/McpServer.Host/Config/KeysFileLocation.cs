using McpServer.AspNetCore.Security;

namespace McpServer.Host.Config;

/// <summary>Where the API keys file is: the same answer for the server and for <c>mcp-server keys</c>.</summary>
internal static class KeysFileLocation
{
    public const string Env = "MCP_SERVER_KEYS_FILE";

    /// <summary>
    /// The flag, else <c>MCP_SERVER_KEYS_FILE</c> (both relative to the working directory), else
    /// <c>auth.keysFile</c> of the configuration file (relative to that file), else
    /// <c>mcp-server.keys.json</c> beside the configuration file, else in the working directory.
    /// </summary>
    public static string Resolve(string? flag, ConfigFile? file, string? configPath)
    {
        if (!string.IsNullOrEmpty(flag))
        {
            return Path.GetFullPath(flag);
        }

        if (Environment.GetEnvironmentVariable(Env) is { Length: > 0 } env)
        {
            return Path.GetFullPath(env);
        }

        var configDirectory = (file?.Path ?? configPath) is { } config ? Path.GetDirectoryName(Path.GetFullPath(config))! : null;
        if (file?.GetString("auth.keysFile") is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured, configDirectory ?? Environment.CurrentDirectory);
        }

        return Path.Combine(configDirectory ?? Environment.CurrentDirectory, ApiKeyFile.DefaultFileName);
    }
}
