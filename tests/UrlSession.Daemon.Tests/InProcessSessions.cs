namespace UrlLoading.Daemon.Tests;

/// <summary>
/// Tests that open background sessions in this test process point it at their daemon world through environment
/// variables, which the whole process shares: they run one at a time, in this collection.
/// </summary>
[CollectionDefinition(Name)]
public sealed class InProcessSessions
{
    public const string Name = "background sessions in the test process";
}
