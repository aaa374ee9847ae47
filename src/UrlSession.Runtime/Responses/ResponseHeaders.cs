using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Net.Http;
using System.Net.Http.Headers;

namespace UrlLoading;

/// <summary>
/// A response's headers as <see cref="HttpUrlResponse.Headers"/> shows them, read through from the response message
/// (its own headers, then its content's) instead of copied per response. Names compare case-insensitively; the
/// values of a repeated header are joined with <c>", "</c> when read.
/// </summary>
internal sealed class ResponseHeaders(HttpResponseHeaders headers, HttpContentHeaders content)
    : IReadOnlyDictionary<string, string>
{
    public static ResponseHeaders Of(HttpResponseMessage reply) => new(reply.Headers, reply.Content.Headers);

    public string this[string key] =>
        TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The response has no '{key}' header.");

    public IEnumerable<string> Keys
    {
        get
        {
            foreach (var (name, _) in this)
                yield return name;
        }
    }

    public IEnumerable<string> Values
    {
        get
        {
            foreach (var (_, value) in this)
                yield return value;
        }
    }

    public int Count
    {
        get
        {
            int count = headers.NonValidated.Count;
            foreach (var (name, _) in content.NonValidated)
            {
                if (!headers.NonValidated.Contains(name))
                    count++;
            }
            return count;
        }
    }

    public bool ContainsKey(string key) => headers.NonValidated.Contains(key) || content.NonValidated.Contains(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        bool inHeaders = headers.NonValidated.TryGetValues(key, out var own);
        bool inContent = content.NonValidated.TryGetValues(key, out var body);
        value = (inHeaders, inContent) switch
        {
            (true, true) => Joined(own) + ", " + Joined(body),
            (true, false) => Joined(own),
            (false, true) => Joined(body),
            _ => null,
        };
        return value is not null;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        foreach (var (name, values) in headers.NonValidated)
        {
            yield return new(name, content.NonValidated.TryGetValues(name, out var more)
                ? Joined(values) + ", " + Joined(more)
                : Joined(values));
        }
        foreach (var (name, values) in content.NonValidated)
        {
            if (!headers.NonValidated.Contains(name))
                yield return new(name, Joined(values));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Each field line of one header as received (its own headers' lines, then its content's); empty when absent.</summary>
    public IReadOnlyList<string> Lines(string name)
    {
        var lines = new List<string>();
        if (headers.NonValidated.TryGetValues(name, out var own))
        {
            foreach (string value in own)
                lines.Add(value);
        }
        if (content.NonValidated.TryGetValues(name, out var body))
        {
            foreach (string value in body)
                lines.Add(value);
        }
        return lines;
    }

    /// <summary>One value as it is (no copy), several joined with <c>", "</c>.</summary>
    private static string Joined(HeaderStringValues values)
    {
        if (values.Count == 1)
        {
            foreach (string value in values)
                return value;
        }
        return string.Join(", ", values);
    }
}
