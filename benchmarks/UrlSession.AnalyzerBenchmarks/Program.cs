using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

// Runs every UrlSession analyzer over a generated solution of N files (2,000 by default) that uses the API the way
// apps do, and prints each analyzer's execution time per file and its share of the total, beside the compiler's own
// time for the same files. Bounded: one compilation, one analysis pass (after one warm-up pass on 50 files).
int files = args.SkipWhile(a => a != "--files").Skip(1).Select(int.Parse).FirstOrDefault(2000);

var analyzers = typeof(UrlLoading.Analyzers.DiagnosticIds).Assembly.GetTypes()
    .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
    .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
    .OrderBy(a => a.GetType().Name)
    .ToImmutableArray();

await RunAsync(50, print: false);
await RunAsync(files, print: true);

async Task RunAsync(int count, bool print)
{
    var trees = Enumerable.Range(0, count).Select(i => CSharpSyntaxTree.ParseText(SourceFile(i), path: $"File{i}.cs")).ToList();
    var references = Net100.References.All.Add(MetadataReference.CreateFromFile(typeof(UrlLoading.UrlSession).Assembly.Location));
    var compilation = CSharpCompilation.Create("Generated", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    // As in the IDE and the build, the analyzers see the generator's output (and skip it as generated code).
    CSharpGeneratorDriver.Create(new UrlLoading.Generators.UrlSessionDelegateGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out var generated, out _);
    compilation = (CSharpCompilation)generated;

    var clock = Stopwatch.StartNew();
    var compilerDiagnostics = compilation.GetDiagnostics();
    var compilerTime = clock.Elapsed;

    var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: true);
    var withAnalyzers = compilation.WithAnalyzers(analyzers, options);
    clock.Restart();
    var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
    var analysisTime = clock.Elapsed;
    if (!print)
        return;

    var errors = compilerDiagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
    foreach (var error in compilerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(3))
        Console.WriteLine(error);
    Console.WriteLine($"{count} files, {trees.Sum(t => t.GetText().Lines.Count):N0} lines; compiler: {compilerTime.TotalMilliseconds:N0} ms ({errors} errors); all analyzers: {analysisTime.TotalMilliseconds:N0} ms wall, {diagnostics.Length} diagnostics");
    Console.WriteLine($"{"analyzer",-44} {"total ms",9} {"µs/file",8} {"share",6}");
    var times = new List<(string Name, TimeSpan Time)>();
    foreach (var analyzer in analyzers)
        times.Add((analyzer.GetType().Name, (await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None)).ExecutionTime));
    double sum = times.Sum(t => t.Time.TotalMilliseconds);
    foreach (var (name, time) in times.OrderByDescending(t => t.Time))
        Console.WriteLine($"{name,-44} {time.TotalMilliseconds,9:N1} {time.TotalMilliseconds * 1000 / count,8:N1} {time.TotalMilliseconds / sum,6:P0}");
    Console.WriteLine($"{"all",-44} {sum,9:N1} {sum * 1000 / count,8:N1}   (compiler alone: {compilerTime.TotalMilliseconds * 1000 / count:N1} µs/file)");
    foreach (var group in diagnostics.GroupBy(d => d.Id).OrderBy(g => g.Key))
        Console.WriteLine($"  {group.Key}: {group.Count()}");
}

// One file of app code: a delegate class with several callbacks and a method that creates sessions and tasks; one
// file in ten carries a mistake, so the rules also report.
static string SourceFile(int i)
{
    bool careless = i % 10 == 0;
    return $$"""
        using System;
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        using UrlLoading;

        namespace App.Feature{{i}};

        [UrlSessionDelegate]
        public partial class Downloads{{i}}
        {
            private readonly string _target = Path.Combine(Path.GetTempPath(), "file{{i}}.bin");
            private int _count;

            private void DidWriteData(UrlSessionDownloadTask task, long bytesWritten, long totalBytesWritten, long totalBytesExpectedToWrite) =>
                _count += (int)(bytesWritten % 7);

            private void DidFinishDownloading(UrlSessionDownloadTask task, string location)
            {
                {{(careless ? "" : "if (task.Response is HttpUrlResponse { StatusCode: >= 200 and < 300 })")}}
                    File.Move(location, _target, overwrite: true);
            }

            private void DidReceiveResponse(UrlResponse response, Action<ResponseDisposition> completionHandler)
            {
                if (response is HttpUrlResponse { StatusCode: 204 })
                {
                    completionHandler(ResponseDisposition.Cancel);
                    return;
                }
                {{(careless ? "" : "completionHandler(ResponseDisposition.Allow);")}}
            }

            private ValueTask DidReceiveData(UrlSessionDataTask task, ReadOnlyMemory<byte> data)
            {
                {{(careless ? "Thread.Sleep(0);" : "")}}
                _count += data.Length;
                return default;
            }

            private void DidCompleteWithError(UrlSessionTask task, UrlError? error) => _count++;
        }

        public static class Work{{i}}
        {
            private static readonly UrlSession s_session = new(UrlSessionConfiguration.Default, new Downloads{{i}}());

            public static async Task<int> RunAsync(Uri url, CancellationToken cancellationToken)
            {
                var configuration = UrlSessionConfiguration.Ephemeral;
                configuration.TimeoutIntervalForRequest = TimeSpan.FromSeconds({{i % 60 + 1}});
                configuration.HttpAdditionalHeaders["X-Feature"] = "{{i}}";
                await using var session = new UrlSession(configuration);
                {{(careless ? "configuration.HttpMaximumConnectionsPerHost = 2;" : "")}}
                var (data, response) = await session.DataAsync(url, cancellationToken);
                var task = s_session.DownloadTask(new UrlRequest(url).WithHeader("Accept", "application/octet-stream"));
                task.TaskDescription = "feature {{i}}";
                task.Resume();
                {{(careless ? "s_session.DataTask(url);" : "")}}
                return data.Length + ((HttpUrlResponse)response).StatusCode;
            }
        }
        """;
}
