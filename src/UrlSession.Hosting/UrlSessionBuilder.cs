using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace UrlLoading.Hosting;

internal sealed class UrlSessionBuilder(string name, IServiceCollection services) : IUrlSessionBuilder
{
    public string Name { get; } = name;

    public IServiceCollection Services { get; } = services;

    public IUrlSessionBuilder AddDelegate<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TDelegate>()
        where TDelegate : class, IUrlSessionDelegate
    {
        Services.TryAddSingleton<TDelegate>();
        Services.Configure<UrlSessionOptions>(Name, options => options.DelegateType = typeof(TDelegate));
        return this;
    }
}
