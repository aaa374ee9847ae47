using System;
using System.Collections.Generic;
using System.Collections.Immutable;

namespace UrlLoading;

/// <summary>Builds the case-insensitive, read-only header maps that requests and responses expose.</summary>
internal static class HeaderFields
{
    public static readonly ImmutableDictionary<string, string> Empty =
        ImmutableDictionary.Create<string, string>(StringComparer.OrdinalIgnoreCase);

    public static ImmutableDictionary<string, string> From(IEnumerable<KeyValuePair<string, string>>? fields)
    {
        if (fields is null)
            return Empty;
        if (fields is ImmutableDictionary<string, string> map && ReferenceEquals(map.KeyComparer, StringComparer.OrdinalIgnoreCase))
            return map;
        var builder = Empty.ToBuilder();
        foreach (var (name, value) in fields)
        {
            ValidateName(name);
            builder[name] = value ?? throw new ArgumentException($"Header '{name}' has a null value; pass an empty string instead.", nameof(fields));
        }
        return builder.ToImmutable();
    }

    public static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name))
            throw new ArgumentException("A header name cannot be empty.", nameof(name));
        foreach (char c in name)
        {
            if (c <= ' ' || c >= 0x7f || c == ':')
                throw new ArgumentException($"'{name}' is not a valid HTTP header name: it may not contain spaces, colons or control characters.", nameof(name));
        }
    }
}
