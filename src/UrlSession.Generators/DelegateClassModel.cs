using UrlLoading.Roslyn;

namespace UrlLoading.Generators;

/// <summary>A type that encloses the delegate class: its keyword (<c>class</c>, <c>struct</c>, <c>record</c>, ...) and name with type parameters.</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>
/// Everything the emitter needs for one delegate class, made only of strings, enums and equatable arrays so the
/// incremental pipeline can compare runs. It holds no symbol, syntax node or compilation.
/// </summary>
internal sealed record DelegateClassModel(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string Keyword,
    string Name,
    string HintName,
    EquatableArray<CallbackBinding> Bindings);
