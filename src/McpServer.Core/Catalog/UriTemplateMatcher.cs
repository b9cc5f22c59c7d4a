using System.Text;
using System.Text.RegularExpressions;

namespace McpServer.Catalog;

/// <summary>
/// Matches URIs against an RFC 6570 template: simple <c>{var}</c> (one path segment) and
/// reserved <c>{+var}</c> (anything) expressions.
/// </summary>
internal sealed class UriTemplateMatcher
{
    private readonly Regex _regex;

    public UriTemplateMatcher(string template)
    {
        var pattern = new StringBuilder("^");
        var names = new List<string>();
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                pattern.Append(Regex.Escape(template[i..]));
                break;
            }

            pattern.Append(Regex.Escape(template[i..open]));
            var close = template.IndexOf('}', open);
            if (close < 0)
            {
                throw new ArgumentException($"URI template '{template}' has an unclosed '{{'.", nameof(template));
            }

            var expr = template[(open + 1)..close];
            var reserved = expr.StartsWith('+');
            var name = reserved ? expr[1..] : expr;
            names.Add(name);
            // Group names are positional: RFC 6570 names may hold '.' and '%', which .NET group names cannot.
            pattern.Append("(?<v").Append(names.Count - 1).Append(reserved ? ">.+)" : ">[^/?#]+)");
            i = close + 1;
        }

        pattern.Append('$');
        _regex = new Regex(pattern.ToString(), RegexOptions.CultureInvariant);
        VariableNames = names;
    }

    public IReadOnlyList<string> VariableNames { get; }

    public bool TryMatch(string uri, out Dictionary<string, string> variables)
    {
        var m = _regex.Match(uri);
        if (!m.Success)
        {
            variables = null!;
            return false;
        }

        variables = new Dictionary<string, string>(VariableNames.Count, StringComparer.Ordinal);
        for (var i = 0; i < VariableNames.Count; i++)
        {
            variables[VariableNames[i]] = Uri.UnescapeDataString(m.Groups["v" + i].Value);
        }

        return true;
    }
}
