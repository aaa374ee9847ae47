using System;
using System.Collections.Generic;
using System.IO;

namespace UrlLoading;

/// <summary>
/// The settings a <see cref="UrlSession"/> is created with (Apple's <c>URLSessionConfiguration</c>). A session takes a
/// copy (<see cref="Clone"/>) when it is created, so later changes to this object do not affect it. Values and
/// collections are copied; the stores (<see cref="HttpCookieStorage"/>, <see cref="UrlCache"/>,
/// <see cref="UrlCredentialStorage"/>) are shared objects. Setters reject invalid values at once.
/// </summary>
public sealed class UrlSessionConfiguration
{
    private TimeSpan _timeoutIntervalForRequest = TimeSpan.FromSeconds(60);
    private TimeSpan _timeoutIntervalForResource = TimeSpan.FromDays(7);
    private TimeSpan _partialDownloadRetention = TimeSpan.FromDays(7);
    private int _httpMaximumConnectionsPerHost = 6;
    private int _maximumRedirects = 20;
    private long _maximumInMemoryBodySize = 64 * 1024 * 1024;
    private TlsProtocolVersion _tlsMinimum = TlsProtocolVersion.Tls12;
    private TlsProtocolVersion _tlsMaximum = TlsProtocolVersion.Tls13;
    private Dictionary<string, string> _httpAdditionalHeaders = new(StringComparer.OrdinalIgnoreCase);
    private List<UrlProtocol> _protocolClasses = [];
    private string? _downloadDirectory;

    private UrlSessionConfiguration(string? identifier, bool isEphemeral)
    {
        Identifier = identifier;
        IsEphemeral = isEphemeral;
    }

    /// <summary>A new default configuration: shared cookie, credential and cache stores.</summary>
    public static UrlSessionConfiguration Default => new(null, isEphemeral: false)
    {
        HttpCookieStorage = HttpCookieStorage.Shared,
        UrlCredentialStorage = UrlCredentialStorage.Shared,
        UrlCache = UrlCache.Shared,
    };

    /// <summary>
    /// A new ephemeral configuration: its own in-memory cookie and credential stores and a memory-only cache, so nothing
    /// is written to disk. Each access returns a configuration with new stores.
    /// </summary>
    public static UrlSessionConfiguration Ephemeral => new(null, isEphemeral: true)
    {
        HttpCookieStorage = new HttpCookieStorage(),
        UrlCredentialStorage = new UrlCredentialStorage(),
        UrlCache = new UrlCache(4 * 1024 * 1024, 0, null),
    };

    /// <summary>
    /// A new configuration for a background session, whose transfers continue in the background transfer service.
    /// Use exactly one session per identifier, and the same identifier on every launch.
    /// </summary>
    /// <param name="identifier">A stable identifier, unique within the app, such as <c>com.example.app.downloads</c>.</param>
    /// <returns>The configuration.</returns>
    public static UrlSessionConfiguration Background(string identifier)
    {
        if (string.IsNullOrWhiteSpace(identifier))
            throw new ArgumentException($"A background configuration needs a non-empty identifier (the {nameof(Identifier)} property), such as \"com.example.app.downloads\".", nameof(identifier));
        return new UrlSessionConfiguration(identifier, isEphemeral: false)
        {
            HttpCookieStorage = HttpCookieStorage.Shared,
            UrlCredentialStorage = UrlCredentialStorage.Shared,
            UrlCache = UrlCache.Shared,
            SessionSendsLaunchEvents = true,
        };
    }

    /// <summary>The background session identifier, or null for a foreground configuration.</summary>
    public string? Identifier { get; }

    /// <summary>True for a configuration made by <see cref="Background"/>.</summary>
    public bool IsBackground => Identifier is not null;

    /// <summary>True for a configuration made by <see cref="Ephemeral"/>.</summary>
    public bool IsEphemeral { get; }

    /// <summary>
    /// The idle timeout: a task fails with <see cref="UrlErrorCode.TimedOut"/> when no bytes move for this long.
    /// Reset on every read and write, so a slow but live transfer never times out. 60 seconds by default.
    /// </summary>
    public TimeSpan TimeoutIntervalForRequest
    {
        get => _timeoutIntervalForRequest;
        set => _timeoutIntervalForRequest = Positive(value, nameof(TimeoutIntervalForRequest));
    }

    /// <summary>The longest a task may take in total, retries included. 7 days by default.</summary>
    public TimeSpan TimeoutIntervalForResource
    {
        get => _timeoutIntervalForResource;
        set => _timeoutIntervalForResource = Positive(value, nameof(TimeoutIntervalForResource));
    }

    /// <summary>The most simultaneous connections to one host. 6 by default.</summary>
    public int HttpMaximumConnectionsPerHost
    {
        get => _httpMaximumConnectionsPerHost;
        set => _httpMaximumConnectionsPerHost = value > 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(HttpMaximumConnectionsPerHost), value, $"{nameof(HttpMaximumConnectionsPerHost)} must be at least 1.");
    }

    /// <summary>How many redirects a task follows before failing with <see cref="UrlErrorCode.HttpTooManyRedirects"/>. 20 by default, as Apple's.</summary>
    public int MaximumRedirects
    {
        get => _maximumRedirects;
        set => _maximumRedirects = value >= 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(MaximumRedirects), value, $"{nameof(MaximumRedirects)} cannot be negative.");
    }

    /// <summary>
    /// The largest response body, in bytes after content decoding (gzip, deflate, brotli), that a task keeps in memory:
    /// for a completion handler, for <c>DataAsync</c> and <c>UploadAsync</c>. A longer body fails the task with
    /// <see cref="UrlErrorCode.DataLengthExceedsMaximum"/>: at once when its <c>Content-Length</c> says so, else as soon
    /// as the bytes read pass the limit, so an endless or decompression-bomb body costs at most this much memory.
    /// 64 MiB by default: far above API responses, documents and images, while a hostile server can make a task hold
    /// no more than that. Download tasks stream to disk and are not limited, nor is a
    /// data task whose delegate receives the body in <c>DidReceiveData</c> chunks (nothing is accumulated). At most
    /// <see cref="Array.MaxLength"/>, the size of the largest <see cref="byte"/> array.
    /// </summary>
    public long MaximumInMemoryBodySize
    {
        get => _maximumInMemoryBodySize;
        set => _maximumInMemoryBodySize = value > 0 && value <= Array.MaxLength ? value
            : throw new ArgumentOutOfRangeException(nameof(MaximumInMemoryBodySize), value,
                $"{nameof(MaximumInMemoryBodySize)} must be between 1 and {Array.MaxLength} bytes (the largest byte array); " +
                "use a download task for a larger body.");
    }

    /// <summary>
    /// Headers added to every request unless the request sets the same header (names compare case-insensitively).
    /// <c>Authorization</c>, <c>Proxy-Authorization</c> and <c>Cookie</c> set here are sent only to the task's original
    /// origin (scheme, host and port), never after a redirect to another one.
    /// </summary>
    public IDictionary<string, string> HttpAdditionalHeaders
    {
        get => _httpAdditionalHeaders;
        set
        {
            ArgumentNullException.ThrowIfNull(value, nameof(HttpAdditionalHeaders));
            var copy = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, headerValue) in value)
            {
                HeaderFields.ValidateName(name);
                copy[name] = headerValue ?? throw new ArgumentException($"{nameof(HttpAdditionalHeaders)}['{name}'] is null; use an empty string.", nameof(HttpAdditionalHeaders));
            }
            _httpAdditionalHeaders = copy;
        }
    }

    /// <summary>The cookie jar; null disables cookie handling.</summary>
    public HttpCookieStorage? HttpCookieStorage { get; set; }

    /// <summary>Which cookies the session stores. <see cref="HttpCookieAcceptPolicy.OnlyFromMainDocumentDomain"/> by default, as Apple's.</summary>
    public HttpCookieAcceptPolicy HttpCookieAcceptPolicy { get; set; } = HttpCookieAcceptPolicy.OnlyFromMainDocumentDomain;

    /// <summary>Whether stored cookies are sent with requests. True by default; when false, <c>Set-Cookie</c> is still stored.</summary>
    public bool HttpShouldSetCookies { get; set; } = true;

    /// <summary>The credential store; null means no stored credentials are used.</summary>
    public UrlCredentialStorage? UrlCredentialStorage { get; set; }

    /// <summary>The response cache; null disables caching.</summary>
    public UrlCache? UrlCache { get; set; }

    /// <summary>The cache policy of requests that do not set their own. <see cref="RequestCachePolicy.UseProtocolCachePolicy"/> by default.</summary>
    public RequestCachePolicy RequestCachePolicy { get; set; } = RequestCachePolicy.UseProtocolCachePolicy;

    /// <summary>The lowest TLS version accepted. TLS 1.2 by default.</summary>
    public TlsProtocolVersion TlsMinimumSupportedProtocolVersion
    {
        get => _tlsMinimum;
        set
        {
            ValidateTls(value, nameof(TlsMinimumSupportedProtocolVersion));
            if (value > _tlsMaximum)
                throw new ArgumentOutOfRangeException(nameof(TlsMinimumSupportedProtocolVersion), value, $"{nameof(TlsMinimumSupportedProtocolVersion)} ({value}) cannot be above {nameof(TlsMaximumSupportedProtocolVersion)} ({_tlsMaximum}); raise the maximum first.");
            _tlsMinimum = value;
        }
    }

    /// <summary>The highest TLS version offered. TLS 1.3 by default.</summary>
    public TlsProtocolVersion TlsMaximumSupportedProtocolVersion
    {
        get => _tlsMaximum;
        set
        {
            ValidateTls(value, nameof(TlsMaximumSupportedProtocolVersion));
            if (value < _tlsMinimum)
                throw new ArgumentOutOfRangeException(nameof(TlsMaximumSupportedProtocolVersion), value, $"{nameof(TlsMaximumSupportedProtocolVersion)} ({value}) cannot be below {nameof(TlsMinimumSupportedProtocolVersion)} ({_tlsMinimum}); lower the minimum first.");
            _tlsMaximum = value;
        }
    }

    /// <summary>The proxies to use, or null to connect directly.</summary>
    public UrlProxyConfiguration? ConnectionProxy { get; set; }

    /// <summary>Whether requests may share connections concurrently. On this stack HTTP/1.1 pipelining does not exist; true allows HTTP/2 multiplexing over TLS.</summary>
    public bool HttpShouldUsePipelining { get; set; }

    /// <summary>Whether tasks may use cellular interfaces. True by default.</summary>
    public bool AllowsCellularAccess { get; set; } = true;

    /// <summary>Whether tasks may use interfaces the system marks expensive. True by default.</summary>
    public bool AllowsExpensiveNetworkAccess { get; set; } = true;

    /// <summary>Whether tasks may use interfaces in low-data mode. True by default.</summary>
    public bool AllowsConstrainedNetworkAccess { get; set; } = true;

    /// <summary>
    /// Apple's <c>waitsForConnectivity</c>. Stored and copied with the configuration, but not acted on yet: a task
    /// fails at once when the network is down, whatever this says. False by default.
    /// </summary>
    public bool WaitsForConnectivity { get; set; }

    /// <summary>Whether background transfers may be scheduled at the system's discretion. False by default.</summary>
    public bool IsDiscretionary { get; set; }

    /// <summary>Whether the background transfer service relaunches the app when events wait for it. True for background configurations.</summary>
    public bool SessionSendsLaunchEvents { get; set; }

    /// <summary>The shared container an app and its extensions use for background downloads, or null.</summary>
    public string? SharedContainerIdentifier { get; set; }

    /// <summary>
    /// Where download tasks write their temporary files; null for <c>UrlSession/Downloads</c> under the system temp
    /// folder. Put it on the volume of the final destination so that moving the file in <c>DidFinishDownloading</c>
    /// is a rename. Created when needed. Resume data names a file in this folder.
    /// </summary>
    public string? DownloadDirectory
    {
        get => _downloadDirectory;
        set
        {
            if (value is not null && (!Path.IsPathFullyQualified(value) || value.IndexOfAny(Path.GetInvalidPathChars()) >= 0))
                throw new ArgumentException($"{nameof(DownloadDirectory)} must be an absolute folder path such as '/var/tmp/downloads', not '{value}'.", nameof(DownloadDirectory));
            _downloadDirectory = value;
        }
    }

    /// <summary>
    /// How long an unfinished download's partial file (the file resume data points to) is kept in the download
    /// folder after it was last written. When a session first creates a download file in a folder, it deletes
    /// partial files there that are older than this; resume data for such a file then restarts from zero, losing
    /// only time. 7 days by default; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> keeps them forever.
    /// </summary>
    public TimeSpan PartialDownloadRetention
    {
        get => _partialDownloadRetention;
        set => _partialDownloadRetention = value == System.Threading.Timeout.InfiniteTimeSpan ? value : Positive(value, nameof(PartialDownloadRetention));
    }

    /// <summary>
    /// For a background session with <see cref="SessionSendsLaunchEvents"/>: the command line urlsessiond runs (through
    /// <c>/bin/sh -c</c>) when events for the session wait and no process has it open, so that the app starts and
    /// re-creates the session. The app learns the identifier from <see cref="UrlSessionBackgroundLaunch.Current"/>.
    /// Null (the default) means the daemon keeps the events until the app comes back by itself.
    /// </summary>
    public string? BackgroundLaunchCommand { get; set; }

    /// <summary>
    /// Apple's <c>protocolClasses</c>. Stored and copied with the configuration (and refused by background sessions),
    /// but not consulted yet: every task is loaded by the built-in HTTP handler.
    /// </summary>
    public IList<UrlProtocol> ProtocolClasses
    {
        get => _protocolClasses;
        set
        {
            ArgumentNullException.ThrowIfNull(value, nameof(ProtocolClasses));
            var copy = new List<UrlProtocol>();
            foreach (var protocol in value)
                copy.Add(protocol ?? throw new ArgumentException($"{nameof(ProtocolClasses)} cannot contain null.", nameof(ProtocolClasses)));
            _protocolClasses = copy;
        }
    }

    /// <summary>Returns a copy: values and collections copied, stores shared (Apple's <c>NSCopying</c>).</summary>
    /// <returns>The copy.</returns>
    public UrlSessionConfiguration Clone()
    {
        var copy = (UrlSessionConfiguration)MemberwiseClone();
        copy._httpAdditionalHeaders = new Dictionary<string, string>(_httpAdditionalHeaders, StringComparer.OrdinalIgnoreCase);
        copy._protocolClasses = [.. _protocolClasses];
        return copy;
    }

    private static TimeSpan Positive(TimeSpan value, string property) =>
        value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(property, value, $"{property} must be positive (it was {value}).");

    private static void ValidateTls(TlsProtocolVersion value, string property)
    {
        if (!Enum.IsDefined(value))
            throw new ArgumentOutOfRangeException(property, value, $"{property} must be one of Tls10, Tls11, Tls12, Tls13.");
    }
}
