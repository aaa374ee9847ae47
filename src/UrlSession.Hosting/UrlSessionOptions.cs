using System;
using System.Collections.Generic;
using UrlLoading;

namespace UrlLoading.Hosting;

/// <summary>What <c>AddUrlSession</c> recorded for one name (named options, so repeated calls add up).</summary>
internal sealed class UrlSessionOptions
{
    /// <summary>The background identifier, for a session registered with <c>AddBackgroundUrlSession</c>.</summary>
    public string? BackgroundIdentifier { get; set; }

    public List<Action<UrlSessionConfiguration>> Configure { get; } = [];

    public Type? DelegateType { get; set; }
}

/// <summary>Every name registered with <c>AddUrlSession</c>.</summary>
internal sealed class UrlSessionNames
{
    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);
}
