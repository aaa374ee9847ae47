using System;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using UrlLoading;
using UrlLoading.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers named <see cref="UrlSession"/>s, handed out by <see cref="IUrlSessionFactory"/>.</summary>
public static class UrlSessionServiceCollectionExtensions
{
    /// <summary>
    /// Registers a session under <paramref name="name"/>, built from <see cref="UrlSessionConfiguration.Default"/> on
    /// first use and shared after; the container invalidates it when disposed. Calling it again with the same name adds
    /// to the configuration.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The session's name, for <see cref="IUrlSessionFactory.GetSession"/> and <c>UseUrlSession</c>.</param>
    /// <param name="configure">Changes the configuration before the session is created: stores, timeouts, headers, cache.</param>
    /// <returns>A builder to add a delegate.</returns>
    public static IUrlSessionBuilder AddUrlSession(this IServiceCollection services, string name,
        Action<UrlSessionConfiguration>? configure = null) =>
        Register(services, name, null, configure);

    /// <summary>
    /// Registers a background session (<see cref="UrlSessionConfiguration.Background"/>) under <paramref name="name"/>.
    /// It is created when the host starts, so the events urlsessiond kept while the app was not running reach its
    /// delegate; give it one with <see cref="IUrlSessionBuilder.AddDelegate{TDelegate}"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The session's name, for <see cref="IUrlSessionFactory.GetSession"/>.</param>
    /// <param name="identifier">The background identifier: the same on every run, unique in the app.</param>
    /// <param name="configure">Changes the configuration before the session is created.</param>
    /// <returns>A builder to add the delegate.</returns>
    public static IUrlSessionBuilder AddBackgroundUrlSession(this IServiceCollection services, string name, string identifier,
        Action<UrlSessionConfiguration>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return Register(services, name, identifier, configure);
    }

    private static UrlSessionBuilder Register(IServiceCollection services, string name, string? backgroundIdentifier,
        Action<UrlSessionConfiguration>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        services.AddOptions();
        services.TryAddSingleton<UrlSessionFactory>();
        services.TryAddSingleton<IUrlSessionFactory>(provider => provider.GetRequiredService<UrlSessionFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, BackgroundSessionsService>());
        services.Configure<UrlSessionNames>(names => names.Names.Add(name));
        services.Configure<UrlSessionOptions>(name, options =>
        {
            if (backgroundIdentifier is not null)
                options.BackgroundIdentifier = backgroundIdentifier;
            if (configure is not null)
                options.Configure.Add(configure);
        });
        return new UrlSessionBuilder(name, services);
    }
}
