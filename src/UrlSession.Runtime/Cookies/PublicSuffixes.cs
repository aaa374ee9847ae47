using System;
using System.Collections.Generic;
using System.IO;

namespace UrlLoading;

/// <summary>
/// The Public Suffix List (publicsuffix.org): domains under which anyone may register names, so a cookie may never be
/// set for them. The whole list (ICANN and private sections, 9,776 rules) is embedded and read once, on the first
/// cookie that names a <c>Domain</c>; rules follow the list's algorithm (longest rule wins, wildcards, exceptions,
/// and the implicit <c>*</c> rule that makes every top-level domain public). Internationalised rules are kept in
/// their ASCII (punycode) form, the form cookie domains are compared in.
/// </summary>
internal static class PublicSuffixes
{
    private const string ResourceName = "UrlLoading.Cookies.public_suffix_list.dat";
    private static readonly Lazy<Rules> s_rules = new(Load);

    private sealed record Rules(HashSet<string> Exact, HashSet<string> Wildcards, HashSet<string> Exceptions);

    /// <summary>True when <paramref name="domain"/> (ASCII, any case, no trailing dot) is itself a public suffix.</summary>
    public static bool IsPublicSuffix(string domain)
    {
        domain = domain.TrimEnd('.').ToLowerInvariant();
        return domain.Length > 0 && PublicSuffixOf(domain) == domain;
    }

    /// <summary>The public suffix of a lower-case ASCII domain, by the list's prevailing rule.</summary>
    public static string PublicSuffixOf(string domain)
    {
        var rules = s_rules.Value;
        // An exception rule prevails over every other; its suffix is the rule without its first label.
        for (int start = 0; start >= 0; start = NextLabel(domain, start))
        {
            string suffix = domain[start..];
            if (rules.Exceptions.Contains(suffix))
                return suffix[(suffix.IndexOf('.', StringComparison.Ordinal) + 1)..];
        }
        // Otherwise the rule with the most labels: the first match from the longest suffix down.
        for (int start = 0; start >= 0; start = NextLabel(domain, start))
        {
            string suffix = domain[start..];
            int next = NextLabel(domain, start);
            if (rules.Exact.Contains(suffix) || (next >= 0 && rules.Wildcards.Contains(domain[next..])))
                return suffix;
        }
        // The implicit rule "*": the last label.
        return domain[(domain.LastIndexOf('.') + 1)..];
    }

    private static int NextLabel(string domain, int start)
    {
        int dot = domain.IndexOf('.', start);
        return dot < 0 ? -1 : dot + 1;
    }

    private static Rules Load()
    {
        var rules = new Rules(new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal));
        using var stream = typeof(PublicSuffixes).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from {typeof(PublicSuffixes).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            // One rule per line: the first run of non-space characters; "//" starts a comment.
            string rule = line.Trim();
            int space = rule.IndexOfAny([' ', '\t']);
            if (space >= 0)
                rule = rule[..space];
            if (rule.Length == 0 || rule.StartsWith("//", StringComparison.Ordinal))
                continue;
            var (set, text) = rule[0] switch
            {
                '!' => (rules.Exceptions, rule[1..]),
                '*' when rule.StartsWith("*.", StringComparison.Ordinal) => (rules.Wildcards, rule[2..]),
                _ => (rules.Exact, rule),
            };
            if (HttpCookie.AsciiDomain(text) is { } ascii)
                set.Add(ascii);
        }
        return rules;
    }
}
