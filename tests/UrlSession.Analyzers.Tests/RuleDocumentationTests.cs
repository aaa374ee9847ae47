using System.Reflection;
using Microsoft.CodeAnalysis;

namespace UrlLoading.Analyzers.Tests;

public sealed class RuleDocumentationTests
{
    private static readonly string s_root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    public static TheoryData<string> Descriptors() =>
        [.. typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id)];

    [Theory]
    [MemberData(nameof(Descriptors))]
    public void Every_rule_has_a_page_its_help_link_points_to_and_a_release_entry(string id)
    {
        var descriptor = typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.GetValue(null)).OfType<DiagnosticDescriptor>().Single(d => d.Id == id);
        Assert.Equal(DiagnosticDescriptors.HelpLink(id), descriptor.HelpLinkUri);
        Assert.EndsWith($"docs/rules/{id}.md", descriptor.HelpLinkUri, StringComparison.Ordinal);
        string page = Path.Combine(s_root, "docs", "rules", id + ".md");
        Assert.True(File.Exists(page), $"missing {page}");
        Assert.StartsWith($"# {id}:", File.ReadAllText(page), StringComparison.Ordinal);
        string releases = File.ReadAllText(Path.Combine(s_root, "src", "UrlSession.Analyzers", "AnalyzerReleases.Unshipped.md"));
        Assert.Contains($"{id} | {descriptor.Category} | {descriptor.DefaultSeverity} |", releases, StringComparison.Ordinal);
    }

    [Fact]
    public void The_README_rule_table_lists_exactly_the_descriptors()
    {
        string readme = File.ReadAllText(Path.Combine(s_root, "README.md"));
        var listed = System.Text.RegularExpressions.Regex.Matches(readme, @"^\| \[(US\d{4})\]", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(Descriptors().Select(d => (string)d.Data).ToHashSet(), listed);
    }
}
