using System;
using System.Globalization;

namespace UrlLoading;

/// <summary>
/// HTTP-date (RFC 9110 §5.6.7) in its three forms, as a recipient must accept them: IMF-fixdate
/// (<c>Sun, 06 Nov 1994 08:49:37 GMT</c>), the obsolete RFC 850 form (<c>Sunday, 06-Nov-94 08:49:37 GMT</c>) and
/// asctime (<c>Sun Nov  6 08:49:37 1994</c>). The weekday is redundant and not checked.
/// </summary>
internal static class HttpDate
{
    private const DateTimeStyles Styles =
        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal | DateTimeStyles.AllowInnerWhite;

    /// <summary>The date, or null when <paramref name="value"/> is in none of the three forms.</summary>
    /// <param name="value">The field value.</param>
    /// <param name="now">Today, for the century of an RFC 850 two-digit year.</param>
    public static DateTimeOffset? Parse(string? value, DateTimeOffset now)
    {
        if (value is null)
            return null;
        var text = value.AsSpan().Trim();
        int comma = text.IndexOf(',');
        if (comma > 0)
        {
            var rest = text[(comma + 1)..].Trim();
            if (DateTimeOffset.TryParseExact(rest, "dd MMM yyyy HH':'mm':'ss 'GMT'", CultureInfo.InvariantCulture, Styles, out var fixdate))
                return fixdate;
            return Rfc850(rest, now);
        }
        // asctime: "Sun Nov  6 08:49:37 1994", the day padded with a space.
        int space = text.IndexOf(' ');
        if (space <= 0)
            return null;
        return DateTimeOffset.TryParseExact(text[(space + 1)..].Trim(), "MMM d HH':'mm':'ss yyyy", CultureInfo.InvariantCulture, Styles,
            out var asctime) ? asctime : null;
    }

    /// <summary>
    /// <c>06-Nov-94 08:49:37 GMT</c>. A year that would be more than 50 years ahead is the most recent past year with
    /// those last two digits (RFC 9110 §5.6.7).
    /// </summary>
    private static DateTimeOffset? Rfc850(ReadOnlySpan<char> text, DateTimeOffset now)
    {
        if (text.Length < 9 || text[2] != '-' || text[6] != '-'
            || !int.TryParse(text.Slice(7, 2), NumberStyles.None, CultureInfo.InvariantCulture, out int twoDigits))
            return null;
        int year = (now.Year / 100 * 100) + twoDigits;
        if (year > now.Year + 50)
            year -= 100;
        string fourDigits = string.Concat(text[..7], year.ToString("D4", CultureInfo.InvariantCulture), text[9..]);
        return DateTimeOffset.TryParseExact(fourDigits, "dd-MMM-yyyy HH':'mm':'ss 'GMT'", CultureInfo.InvariantCulture, Styles,
            out var date) ? date : null;
    }
}
