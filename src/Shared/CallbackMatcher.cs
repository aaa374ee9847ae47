using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace UrlLoading.Roslyn;

/// <summary>How a user's method gives its answer.</summary>
internal enum ReturnForm
{
    Void,
    ValueTask,
    Task,
    Value,
    ValueTaskOfValue,
    TaskOfValue,
    CompletionHandler,
}

/// <summary>
/// A user method bound to a catalog callback. <see cref="Arguments"/> says, for each parameter of the user's method,
/// what to pass: 0 the session, i (1-based) the callback's i-th parameter, -1 the completion handler.
/// </summary>
internal sealed record CallbackBinding(int CallbackIndex, string MethodName, bool IsStatic, ReturnForm Form, EquatableArray<int> Arguments);

/// <summary>The runtime's types, resolved once per compilation.</summary>
internal sealed class KnownTypes
{
    private readonly Compilation _compilation;
    private readonly ConcurrentDictionary<TypeRef, ITypeSymbol?> _resolved = new();

    private KnownTypes(Compilation compilation, INamedTypeSymbol attribute, INamedTypeSymbol session)
    {
        _compilation = compilation;
        Attribute = attribute;
        Session = session;
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        Action1 = compilation.GetTypeByMetadataName("System.Action`1");
        Action2 = compilation.GetTypeByMetadataName("System.Action`2");
        Interface = compilation.GetTypeByMetadataName("UrlLoading.IUrlSessionDelegate");
    }

    public INamedTypeSymbol Attribute { get; }

    public INamedTypeSymbol Session { get; }

    public INamedTypeSymbol? Interface { get; }

    public INamedTypeSymbol? ValueTask { get; }

    public INamedTypeSymbol? ValueTaskOfT { get; }

    public INamedTypeSymbol? Task { get; }

    public INamedTypeSymbol? TaskOfT { get; }

    public INamedTypeSymbol? Action1 { get; }

    public INamedTypeSymbol? Action2 { get; }

    /// <summary>Null when the compilation does not reference the UrlSession runtime: then there is nothing to do.</summary>
    public static KnownTypes? Create(Compilation compilation)
    {
        var attribute = compilation.GetTypeByMetadataName(CallbackCatalog.AttributeMetadataName);
        var session = compilation.GetTypeByMetadataName(CallbackCatalog.SessionMetadataName);
        return attribute is null || session is null ? null : new KnownTypes(compilation, attribute, session);
    }

    public ITypeSymbol? Resolve(TypeRef type) => _resolved.GetOrAdd(type, t =>
    {
        var definition = _compilation.GetTypeByMetadataName(t.MetadataName);
        if (definition is null || t.TypeArguments.IsEmpty)
            return definition;
        var arguments = t.TypeArguments.Select(Resolve).ToArray();
        return arguments.Any(a => a is null) ? null : definition.Construct(arguments!);
    });
}

/// <summary>Matches user methods to catalog callbacks by name and signature. Shared by the generator and the analyzer.</summary>
internal static class CallbackMatcher
{
    /// <summary>Binds a method named like a callback, or returns null when its signature fits none of the callbacks of that name.</summary>
    public static CallbackBinding? Match(IMethodSymbol method, KnownTypes types)
    {
        for (int i = 0; i < CallbackCatalog.All.Length; i++)
        {
            var callback = CallbackCatalog.All[i];
            if (callback.Name == method.Name && TryMatch(method, i, callback, types) is { } binding)
                return binding;
        }
        return null;
    }

    /// <summary>The accepted shapes of every callback with this name, for diagnostics.</summary>
    public static string DescribeSignatures(string name)
    {
        var text = new StringBuilder();
        foreach (var callback in CallbackCatalog.All.Where(c => c.Name == name))
        {
            if (text.Length > 0)
                text.Append(" or ");
            text.Append(Returns(callback)).Append(' ').Append(name).Append("([UrlSession session, ]");
            text.Append(string.Join(", ", callback.Parameters.Select(p => Short(p.Type.Display) + " " + p.Name)));
            if (callback.Result is not null)
                text.Append(" [or a last Action<").Append(HandlerArguments(callback.Result)).Append("> completionHandler returning void]");
            text.Append(')');
        }
        return text.ToString();
    }

    private static string Returns(CallbackDefinition callback) =>
        callback.Result is null ? "void|ValueTask|Task" : $"{Short(callback.Result.Display)}|ValueTask<…>|Task<…>";

    private static string HandlerArguments(TypeRef result) =>
        result.IsTuple ? string.Join(", ", result.TypeArguments.Select(a => Short(a.Display))) : Short(result.Display);

    private static string Short(string display) => display.Replace("global::UrlLoading.", "").Replace("global::System.IO.", "").Replace("global::System.", "");

    private static CallbackBinding? TryMatch(IMethodSymbol method, int index, CallbackDefinition callback, KnownTypes types)
    {
        if (method.IsGenericMethod || method.Parameters.Any(p => p.RefKind != RefKind.None || p.IsParams))
            return null;
        var parameters = method.Parameters;
        ReturnForm form;
        bool hasHandler = false;
        if (callback.Result is null)
        {
            form = ReturnFormOfNotification(method.ReturnType, types) ?? (ReturnForm)(-1);
        }
        else
        {
            var result = types.Resolve(callback.Result);
            if (result is null)
                return null;
            if (method.ReturnsVoid && parameters.Length > 0 && IsHandlerFor(parameters[parameters.Length - 1].Type, result, types))
            {
                hasHandler = true;
                form = ReturnForm.CompletionHandler;
            }
            else
            {
                form = ReturnFormOfAnswer(method.ReturnType, result, types) ?? (ReturnForm)(-1);
            }
        }
        if (form < 0)
            return null;

        var available = new List<(string Name, ITypeSymbol? Type)> { ("session", types.Session) };
        available.AddRange(callback.Parameters.Select(p => (p.Name, types.Resolve(p.Type))));
        var arguments = ImmutableArray.CreateBuilder<int>();
        int cursor = 0;
        int userCount = hasHandler ? parameters.Length - 1 : parameters.Length;
        for (int p = 0; p < userCount; p++)
        {
            int chosen = -1;
            for (int a = cursor; a < available.Count; a++)
            {
                if (available[a].Type is not { } source || !IsAssignable(source, parameters[p].Type))
                    continue;
                if (chosen < 0)
                    chosen = a;
                if (available[a].Name == parameters[p].Name)
                {
                    chosen = a;
                    break;
                }
            }
            if (chosen < 0)
                return null;
            arguments.Add(chosen);
            cursor = chosen + 1;
        }
        if (hasHandler)
            arguments.Add(-1);
        return new CallbackBinding(index, method.Name, method.IsStatic, form, new EquatableArray<int>(arguments.ToImmutable()));
    }

    private static ReturnForm? ReturnFormOfNotification(ITypeSymbol returned, KnownTypes types)
    {
        if (returned.SpecialType == SpecialType.System_Void)
            return ReturnForm.Void;
        if (Same(returned, types.ValueTask))
            return ReturnForm.ValueTask;
        if (Same(returned, types.Task))
            return ReturnForm.Task;
        return null;
    }

    private static ReturnForm? ReturnFormOfAnswer(ITypeSymbol returned, ITypeSymbol result, KnownTypes types)
    {
        if (Same(returned, result))
            return ReturnForm.Value;
        if (returned is INamedTypeSymbol { IsGenericType: true } generic && Same(generic.TypeArguments[0], result))
        {
            if (Same(generic.ConstructedFrom, types.ValueTaskOfT))
                return ReturnForm.ValueTaskOfValue;
            if (Same(generic.ConstructedFrom, types.TaskOfT))
                return ReturnForm.TaskOfValue;
        }
        return null;
    }

    private static bool IsHandlerFor(ITypeSymbol parameter, ITypeSymbol result, KnownTypes types)
    {
        if (parameter is not INamedTypeSymbol { IsGenericType: true } action)
            return false;
        if (result is INamedTypeSymbol { IsTupleType: true } tuple)
        {
            var elements = tuple.TupleElements;
            return Same(action.ConstructedFrom, types.Action2) && elements.Length == 2
                && Same(action.TypeArguments[0], elements[0].Type) && Same(action.TypeArguments[1], elements[1].Type);
        }
        return Same(action.ConstructedFrom, types.Action1) && Same(action.TypeArguments[0], result);
    }

    private static bool IsAssignable(ITypeSymbol source, ITypeSymbol destination)
    {
        if (Same(source, destination) || destination.SpecialType == SpecialType.System_Object && source.IsReferenceType)
            return true;
        if (!source.IsReferenceType)
            return false;
        for (var t = source.BaseType; t is not null; t = t.BaseType)
        {
            if (Same(t, destination))
                return true;
        }
        return source.AllInterfaces.Any(i => Same(i, destination));
    }

    /// <summary>Type identity ignoring nullable annotations and tuple element names.</summary>
    private static bool Same(ITypeSymbol? a, ITypeSymbol? b) =>
        a is not null && b is not null && SymbolEqualityComparer.Default.Equals(Normalize(a), Normalize(b));

    private static ITypeSymbol Normalize(ITypeSymbol type) =>
        type is INamedTypeSymbol { IsTupleType: true, TupleUnderlyingType: { } underlying } ? underlying : type;
}
