namespace UrlLoading.Analyzers.Tests.Corpus;

/// <summary>
/// Realistic code in the shapes public HTTP libraries use (typed clients, retry loops, streaming downloads, TLS
/// clients with pinning, test servers), written for this guard. Lines a rule must report say so with
/// <c>// expect: US####</c>.
/// </summary>
internal static class CorpusFiles
{
    public static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>
    {
        ["TypedClient.cs"] = """
            using System;
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed record Release(string Name, string Url);

            public sealed class ReleaseClient(HttpClient client)
            {
                public async Task<Release?> LatestAsync(string repository, CancellationToken cancellationToken)
                {
                    using var response = await client.GetAsync($"repos/{repository}/releases/latest", cancellationToken).ConfigureAwait(false);
                    if (!response.IsSuccessStatusCode)
                        return null;
                    return await response.Content.ReadFromJsonAsync<Release>(cancellationToken).ConfigureAwait(false);
                }

                public async Task<bool> PingAsync(CancellationToken cancellationToken)
                {
                    for (int attempt = 0; attempt < 3; attempt++)
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Head, "ping");
                        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
                        if (response.IsSuccessStatusCode)
                            return true;
                        await Task.Delay(TimeSpan.FromMilliseconds(100 << attempt), cancellationToken).ConfigureAwait(false);
                    }
                    return false;
                }
            }
            """,
        ["SharedHandler.cs"] = """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Net.Security;
            using System.Threading;
            using System.Threading.Tasks;

            public static class Downloads
            {
                private static readonly HttpClient s_client = new(new SocketsHttpHandler
                {
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    SslOptions = new SslClientAuthenticationOptions { EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13 },
                });

                public static async Task SaveAsync(Uri url, string path, CancellationToken cancellationToken)
                {
                    using var response = await s_client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                    response.EnsureSuccessStatusCode();
                    await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                    await using var file = File.Create(path);
                    await body.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                }
            }
            """,
        ["PinnedTls.cs"] = """
            using System;
            using System.Linq;
            using System.Net.Security;
            using System.Net.Sockets;
            using System.Security.Cryptography;
            using System.Security.Cryptography.X509Certificates;
            using System.Threading.Tasks;

            public sealed class PinnedConnection
            {
                private readonly byte[] _pin;

                public PinnedConnection(byte[] pin) => _pin = pin;

                public async Task<SslStream> ConnectAsync(string host, int port)
                {
                    var tcp = new TcpClient();
                    await tcp.ConnectAsync(host, port).ConfigureAwait(false);
                    var stream = new SslStream(tcp.GetStream(), false, Validate);
                    await stream.AuthenticateAsClientAsync(host).ConfigureAwait(false);
                    return stream;
                }

                private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
                {
                    if (errors != SslPolicyErrors.None || certificate is null)
                        return false;
                    return SHA256.HashData(certificate.GetPublicKey()).SequenceEqual(_pin);
                }

                public static bool SelfSignedDevelopmentRoot(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string thumbprint) =>
                    errors == SslPolicyErrors.None
                    || (errors == SslPolicyErrors.RemoteCertificateChainErrors
                        && chain!.ChainStatus.All(s => s.Status == X509ChainStatusFlags.UntrustedRoot)
                        && certificate!.GetCertHashString() == thumbprint);
            }
            """,
        ["TestServer.cs"] = """
            using System;
            using System.Net.Http;
            using System.Net.Security;

            // A test fixture talking to a loopback server with a throw-away certificate: the typical true positive.
            public static class LoopbackClient
            {
                public static HttpClient Create(Uri address) => new(new HttpClientHandler
                {
                    ServerCertificateCustomValidationCallback = (_, _, _, _) => true, // expect: US5001
                }) { BaseAddress = address };

                public static SocketsHttpHandler Insecure() => new()
                {
                    SslOptions = new SslClientAuthenticationOptions
                    {
                        RemoteCertificateValidationCallback = delegate { return true; }, // expect: US5001
                    },
                };
            }
            """,
        ["UrlSessionClient.cs"] = """
            using System;
            using System.IO;
            using System.Threading.Tasks;
            using UrlLoading;

            [UrlSessionDelegate]
            public sealed partial class Transfers
            {
                private const string Pin = "3A:5F";

                void DidFinishDownloading(UrlSessionDownloadTask task, string location)
                {
                    if (task.Response is not HttpUrlResponse { StatusCode: >= 200 and < 300 })
                        return;
                    File.Move(location, Path.Combine(Path.GetTempPath(), task.TaskDescription ?? "download"), overwrite: true);
                }

                (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlAuthenticationChallenge challenge)
                {
                    if (challenge.ProtectionSpace.AuthenticationMethod != UrlProtectionSpace.AuthenticationMethodServerTrust)
                        return (AuthChallengeDisposition.PerformDefaultHandling, null);
                    var trust = challenge.ProtectionSpace.ServerTrust!;
                    return trust.Evaluate() && trust.Sha256Fingerprint == Pin
                        ? (AuthChallengeDisposition.UseCredential, UrlCredential.ForTrust(trust))
                        : (AuthChallengeDisposition.CancelAuthenticationChallenge, null);
                }

                void DidFinishEventsForBackgroundSession() => UrlSessionBackgroundLaunch.Current?.CompletionHandler();
            }

            public sealed class Api : IAsyncDisposable
            {
                private readonly UrlSession _session;

                public Api()
                {
                    var configuration = UrlSessionConfiguration.Ephemeral;
                    configuration.TimeoutIntervalForRequest = TimeSpan.FromSeconds(30);
                    configuration.HttpAdditionalHeaders["Accept"] = "application/json";
                    _session = new UrlSession(configuration);
                }

                public async Task<byte[]?> GetAsync(Uri url)
                {
                    var (data, response) = await _session.DataAsync(url).ConfigureAwait(false);
                    return ((HttpUrlResponse)response).StatusCode == 200 ? data : null;
                }

                public async Task UploadAsync(Uri url, Stream body, long length)
                {
                    var request = new UrlRequest(url) { HttpMethod = "PUT", HttpBodyStream = () => body }
                        .WithHeader("Content-Type", "application/octet-stream")
                        .WithHeader("Content-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    var (_, response) = await _session.DataAsync(request).ConfigureAwait(false);
                    if (((HttpUrlResponse)response).StatusCode >= 400)
                        throw new InvalidOperationException("upload refused");
                }

                public ValueTask DisposeAsync() => _session.DisposeAsync();
            }

            public static class Background
            {
                public static UrlSession AtLaunch(IUrlSessionDelegate events) => new(UrlSessionConfiguration.Background("com.example.transfers"), events);

                public static UrlSession OnRelaunch(UrlSessionBackgroundLaunch launch, IUrlSessionDelegate events) =>
                    new(UrlSessionConfiguration.Background("com.example.transfers"), events);
            }
            """,
    };
}
