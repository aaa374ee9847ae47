using System;

namespace UrlLoading;

/// <summary>
/// The cookie-date algorithm of RFC 6265 §5.1.1, which is what browsers run on <c>Expires</c>: the date is read from
/// its tokens (a time, a day of month, a month and a year, in any order), and everything else, the weekday included,
/// is ignored. A server's "delete this cookie" whose weekday is wrong still deletes it.
/// </summary>
internal static class CookieDate
{
    private static readonly string[] s_months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    /// <summary>Reads a cookie date; false when a part is missing or out of range (the attribute is then ignored).</summary>
    public static bool TryParse(string text, out DateTimeOffset date)
    {
        date = default;
        int? hour = null, minute = null, second = null, day = null, month = null, year = null;
        int start = 0;
        while (start < text.Length)
        {
            while (start < text.Length && IsDelimiter(text[start]))
                start++;
            int end = start;
            while (end < text.Length && !IsDelimiter(text[end]))
                end++;
            if (end == start)
                break;
            var token = text.AsSpan(start, end - start);
            start = end;
            if (hour is null && TryTime(token, out int h, out int m, out int s))
                (hour, minute, second) = (h, m, s);
            else if (day is null && TryDigits(token, 1, 2, out int d))
                day = d;
            else if (month is null && MonthOf(token) is { } mo)
                month = mo;
            else if (year is null && TryDigits(token, 2, 4, out int y))
                year = y;
        }
        if (hour is null || day is null || month is null || year is null)
            return false;
        int fullYear = year.Value switch { >= 70 and <= 99 => year.Value + 1900, <= 69 => year.Value + 2000, _ => year.Value };
        if (day is < 1 or > 31 || fullYear < 1601 || hour > 23 || minute > 59 || second > 59
            || day > DateTime.DaysInMonth(fullYear, month.Value))
            return false;
        date = new DateTimeOffset(fullYear, month.Value, day.Value, hour.Value, minute!.Value, second!.Value, TimeSpan.Zero);
        return true;
    }

    /// <summary>%x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E: everything but digits, letters, <c>:</c> and bytes past 0x7E.</summary>
    private static bool IsDelimiter(char c) =>
        c == '\t' || c is >= ' ' and <= '/' || c is >= ';' and <= '@' || c is >= '[' and <= '`' || c is >= '{' and <= '~';

    /// <summary><c>min*maxDIGIT ( non-digit *OCTET )</c>: the digits, then the end of the token or anything after a non-digit.</summary>
    private static bool TryDigits(ReadOnlySpan<char> token, int min, int max, out int value)
    {
        int length = LeadingDigits(token, max + 1);
        value = 0;
        if (length < min || length > max)
            return false;
        foreach (char c in token[..length])
            value = (value * 10) + (c - '0');
        return true;
    }

    /// <summary><c>hms-time ( non-digit *OCTET )</c>, each field one or two digits.</summary>
    private static bool TryTime(ReadOnlySpan<char> token, out int hour, out int minute, out int second)
    {
        hour = minute = second = 0;
        if (!TryField(ref token, out hour) || !Colon(ref token) || !TryField(ref token, out minute) || !Colon(ref token))
            return false;
        int length = LeadingDigits(token, 3);
        if (length is < 1 or > 2)
            return false;
        second = int.Parse(token[..length], provider: System.Globalization.CultureInfo.InvariantCulture);
        return true;

        static bool TryField(ref ReadOnlySpan<char> rest, out int value)
        {
            int length = LeadingDigits(rest, 3);
            value = 0;
            if (length is < 1 or > 2)
                return false;
            value = int.Parse(rest[..length], provider: System.Globalization.CultureInfo.InvariantCulture);
            rest = rest[length..];
            return true;
        }

        static bool Colon(ref ReadOnlySpan<char> rest)
        {
            if (rest.IsEmpty || rest[0] != ':')
                return false;
            rest = rest[1..];
            return true;
        }
    }

    private static int LeadingDigits(ReadOnlySpan<char> token, int limit)
    {
        int length = 0;
        while (length < token.Length && length < limit && char.IsAsciiDigit(token[length]))
            length++;
        return length;
    }

    private static int? MonthOf(ReadOnlySpan<char> token)
    {
        if (token.Length < 3)
            return null;
        for (int i = 0; i < s_months.Length; i++)
        {
            if (token[..3].Equals(s_months[i], StringComparison.OrdinalIgnoreCase))
                return i + 1;
        }
        return null;
    }
}
