using System;
using UrlLoading;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Runs <c>IHttpClientFactory</c> clients over a named <see cref="UrlSession"/>.</summary>
public static class UrlSessionHttpClientBuilderExtensions
{
    /// <summary>
    /// Makes a <see cref="UrlSessionHandler"/> over the session registered as <paramref name="sessionName"/> the
    /// primary handler of this named or typed client: its requests get the session's cache, cookies, credentials,
    /// delegate and timeouts. Handlers added with <c>AddHttpMessageHandler</c> or a resilience pipeline run before it.
    /// </summary>
    /// <param name="builder">The client's builder, from <c>AddHttpClient</c>.</param>
    /// <param name="sessionName">A name registered with <c>AddUrlSession</c>.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder UseUrlSession(this IHttpClientBuilder builder, string sessionName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(sessionName);
        return builder.ConfigurePrimaryHttpMessageHandler(services =>
            new UrlSessionHandler(services.GetRequiredService<IUrlSessionFactory>().GetSession(sessionName)));
    }
}
