using System.Diagnostics.CodeAnalysis;
using UrlLoading;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures one named session registered with <c>AddUrlSession</c>.</summary>
public interface IUrlSessionBuilder
{
    /// <summary>The session's name, as passed to <see cref="IUrlSessionFactory.GetSession"/> and <c>UseUrlSession</c>.</summary>
    string Name { get; }

    /// <summary>The services the session is registered in.</summary>
    IServiceCollection Services { get; }

    /// <summary>
    /// Gives the session a delegate resolved from the container (registered as a singleton when it is not registered
    /// yet), so it can take its own dependencies. The session holds it until it is invalidated.
    /// </summary>
    /// <typeparam name="TDelegate">The delegate, usually a <c>[UrlSessionDelegate] partial class</c>.</typeparam>
    /// <returns>This builder.</returns>
    IUrlSessionBuilder AddDelegate<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TDelegate>()
        where TDelegate : class, IUrlSessionDelegate;
}
