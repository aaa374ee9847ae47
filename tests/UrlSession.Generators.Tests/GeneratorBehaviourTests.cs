using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using UrlLoading.Roslyn;

namespace UrlLoading.Generators.Tests;

public sealed class GeneratorBehaviourTests
{
    private const string Delegate = """
        using UrlLoading;
        namespace Demo;
        [UrlSessionDelegate]
        public partial class Tracker
        {
            void DidCompleteWithError(UrlSessionTask task, UrlError? error) { }
        }
        """;

    [Fact]
    public void A_second_run_on_an_unrelated_edit_is_fully_cached()
    {
        var compilation = GeneratorHarness.Compile(Delegate, "class Other { }");
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Last(), CSharpSyntaxTree.ParseText("class Other { void M() { } }", path: "Source1.cs"));
        driver = driver.RunGenerators(edited);
        var result = driver.GetRunResult().Results[0];
        foreach (var step in new[] { TrackingNames.DelegateClasses, TrackingNames.ValidDelegateClasses })
        {
            var outputs = result.TrackedSteps[step].SelectMany(s => s.Outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void The_model_holds_no_symbols_syntax_or_compilations()
    {
        var forbidden = new[] { typeof(ISymbol), typeof(SyntaxNode), typeof(Compilation), typeof(Location), typeof(SemanticModel) };
        var seen = new HashSet<Type>();
        void Walk(Type type)
        {
            if (!seen.Add(type) || type.IsPrimitive || type == typeof(string) || type.IsEnum)
                return;
            Assert.DoesNotContain(forbidden, f => f.IsAssignableFrom(type));
            foreach (var argument in type.GetGenericArguments())
                Walk(argument);
            if (type.Namespace?.StartsWith("UrlLoading", StringComparison.Ordinal) != true)
                return;
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
                Walk(field.FieldType);
        }
        Walk(typeof(DelegateClassModel));
        Assert.Contains(typeof(CallbackBinding), seen);
    }

    [Fact]
    public void A_class_that_is_not_partial_gets_no_generated_code()
    {
        var (sources, _) = GeneratorHarness.Run("""
            [UrlLoading.UrlSessionDelegate]
            class NotPartial { void DidCompleteWithError(UrlLoading.UrlSessionTask task, UrlLoading.UrlError? error) { } }
            """);
        Assert.Empty(sources);
    }

    [Fact]
    public void A_class_inside_a_type_that_is_not_partial_gets_no_generated_code()
    {
        var (sources, diagnostics) = GeneratorHarness.Run("""
            class Outer
            {
                [UrlLoading.UrlSessionDelegate]
                partial class Inner { }
            }
            """);
        Assert.Empty(sources);
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void A_method_with_a_wrong_signature_is_not_bound_and_the_generator_reports_nothing()
    {
        var (sources, diagnostics) = GeneratorHarness.Run("""
            [UrlLoading.UrlSessionDelegate]
            partial class Wrong { void DidReceiveData(int notBytes) { } }
            """);
        Assert.Empty(diagnostics);
        Assert.Contains("UrlSessionCallbacks.None", Assert.Single(sources).SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_code_compiles_without_warnings_for_every_catalog_callback()
    {
        var methods = CallbackCatalog.All.Select((c, i) =>
        {
            string parameters = string.Join(", ", c.Parameters.Select(p => $"{p.Type.Display} {p.Name}"));
            string returns = c.Result is null ? "void" : c.Result.Display;
            string body = c.Result is null ? "{ }" : "=> default!;";
            return $"public {returns} {c.Name}({parameters}) {body}";
        });
        var (sources, diagnostics) = GeneratorHarness.Run($$"""
            [UrlLoading.UrlSessionDelegate]
            partial class Everything
            {
                {{string.Join("\n    ", methods)}}
            }
            """);
        Assert.Empty(diagnostics);
        string generated = Assert.Single(sources).SourceText.ToString();
        foreach (var callback in CallbackCatalog.All)
            Assert.Contains($"UrlSessionCallbacks.{callback.Flag}", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void The_catalog_matches_the_runtime_interface_callback_for_callback()
    {
        var methods = typeof(IUrlSessionDelegate).GetMethods().Where(m => !m.IsSpecialName).ToList();
        Assert.Equal(CallbackCatalog.All.Length, methods.Count);
        foreach (var callback in CallbackCatalog.All)
        {
            var method = Assert.Single(methods, m => m.Name == callback.Name && m.GetParameters().Length == callback.Parameters.Length + 1
                && m.GetParameters().Skip(1).Select(p => p.Name).SequenceEqual(callback.Parameters.Select(p => p.Name)));
            Assert.Equal(typeof(UrlSession), method.GetParameters()[0].ParameterType);
            Assert.True(Enum.IsDefined(Enum.Parse<UrlSessionCallbacks>(callback.Flag)));
        }
    }

    [Fact]
    public void The_callback_catalog_documentation_names_every_callback()
    {
        string root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
        string doc = File.ReadAllText(Path.Combine(root, "docs", "delegate-callbacks.md"));
        foreach (var callback in CallbackCatalog.All)
            Assert.Contains($"`{callback.Name}`", doc, StringComparison.Ordinal);
    }
}
