using System;
using System.Collections.Frozen;

namespace UrlLoading;

/// <summary>
/// Public suffixes: domains under which anyone may register names, so a cookie may never be set for them. Every
/// single-label domain (a top-level domain) is one; the multi-label ones below are the most used entries of the
/// Public Suffix List (country second levels and shared-hosting platforms). The full list is not embedded.
/// </summary>
internal static class PublicSuffixes
{
    private static readonly FrozenSet<string> s_multiLabel = FrozenSet.ToFrozenSet(
    [
        "co.uk", "org.uk", "ac.uk", "gov.uk", "ltd.uk", "plc.uk", "me.uk", "net.uk", "sch.uk", "nhs.uk",
        "com.au", "net.au", "org.au", "edu.au", "gov.au", "asn.au", "id.au",
        "co.nz", "org.nz", "net.nz", "govt.nz", "ac.nz",
        "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "gr.jp",
        "co.kr", "or.kr", "ne.kr", "go.kr", "ac.kr",
        "com.br", "net.br", "org.br", "gov.br", "edu.br",
        "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn",
        "co.in", "net.in", "org.in", "gov.in", "ac.in", "firm.in", "gen.in", "ind.in",
        "com.mx", "org.mx", "gob.mx", "com.ar", "com.co", "com.tr", "com.tw", "com.hk", "com.sg", "com.my",
        "co.za", "org.za", "gov.za", "co.il", "org.il", "co.id", "or.id", "com.ph", "com.vn", "com.ua", "com.pl",
        "github.io", "gitlab.io", "herokuapp.com", "appspot.com", "blogspot.com", "azurewebsites.net",
        "cloudfront.net", "s3.amazonaws.com", "netlify.app", "vercel.app", "pages.dev", "workers.dev",
        "firebaseapp.com", "web.app", "fly.dev", "onrender.com", "glitch.me", "readthedocs.io",
    ], StringComparer.OrdinalIgnoreCase);

    public static bool IsPublicSuffix(string domain) => !domain.Contains('.') || s_multiLabel.Contains(domain);
}
