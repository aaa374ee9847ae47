using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace UrlLoading.Hosting;

/// <summary>
/// Re-creates the app's background sessions when the host starts (the moment Apple calls
/// <c>handleEventsForBackgroundURLSession</c>): each attaches to urlsessiond, gets back the tasks it still holds,
/// and its delegate receives the events the app missed while it was not running.
/// </summary>
internal sealed class BackgroundSessionsService(UrlSessionFactory factory) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (string name in factory.BackgroundNames())
            factory.GetSession(name);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
