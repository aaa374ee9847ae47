using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace UrlLoading.Analyzers.Tests.Corpus;

/// <summary>
/// Every analyzer over realistic HttpClient, SslStream and UrlSession code written the way careful libraries write it.
/// A diagnostic must be expected on its line with <c>// expect: US####</c>, and every expectation must be met: the
/// guard against rules that fire on correct code (and against rules that stop seeing the true positives).
/// </summary>
public sealed partial class RealCodeCorpusTests
{
    private static readonly ImmutableArray<DiagnosticAnalyzer> s_analyzers = [.. typeof(DiagnosticIds).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)];

    public static TheoryData<string> Files() => [.. CorpusFiles.All.Keys];

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Every_diagnostic_on_the_corpus_is_expected_and_every_expectation_is_met(string name)
    {
        string source = CorpusFiles.All[name];
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: name,
            cancellationToken: TestContext.Current.CancellationToken);
        var compilation = CSharpCompilation.Create("Corpus", [tree],
            [.. Net100.References.All, MetadataReference.CreateFromFile(typeof(UrlSession).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error));

        var diagnostics = await compilation.WithAnalyzers(s_analyzers).GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);
        var lines = source.Split('\n');
        var actual = diagnostics.Select(d => (Line: d.Location.GetLineSpan().StartLinePosition.Line, d.Id)).ToHashSet();
        var expected = lines.SelectMany((text, line) => ExpectPattern().Matches(text).Select(m => (Line: line, Id: m.Groups[1].Value))).ToHashSet();
        Assert.Equal(expected.OrderBy(e => e.Line).ToList(), actual.OrderBy(a => a.Line).ToList());
    }

    [GeneratedRegex(@"expect: (US\d{4})")]
    private static partial Regex ExpectPattern();
}
