using McpServer.Catalog;

namespace McpServer.Host.Catalogs;

/// <summary>The built-in catalogues, by the name <c>--catalog</c> takes.</summary>
public static class BuiltInCatalogs
{
    /// <summary>Catalogue names, in the order <c>--help</c> lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["demo", "conformance"];

    /// <summary>Adds the named catalogue; <see langword="false"/> for an unknown name.</summary>
    public static bool TryAdd(string name, McpCatalog catalog, TimeProvider time)
    {
        switch (name)
        {
            case "demo":
                DemoCatalog.Register(catalog);
                return true;
            case "conformance":
                ConformanceCatalog.Register(catalog, time);
                return true;
            default:
                return false;
        }
    }
}
