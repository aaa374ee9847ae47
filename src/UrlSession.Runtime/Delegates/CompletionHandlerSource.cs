using System;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;

namespace UrlLoading;

/// <summary>
/// Bridges Apple's completion-handler form of a callback (<c>Action&lt;T&gt; completionHandler</c>) to the
/// <see cref="ValueTask{TResult}"/> the session awaits. Used by generated code.
/// </summary>
/// <typeparam name="T">The answer's type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CompletionHandlerSource<T>
{
    private readonly TaskCompletionSource<T> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _callback;
    private int _called;

    /// <summary>Creates a source for one call of a callback.</summary>
    /// <param name="callback">The callback's name, for the error when the handler is called twice.</param>
    public CompletionHandlerSource(string callback) => _callback = callback;

    /// <summary>The answer, once the handler has been called.</summary>
    public ValueTask<T> Task => new(_answer.Task);

    /// <summary>The completion handler passed to the user's method. Call it exactly once.</summary>
    /// <param name="answer">The answer.</param>
    public void Complete(T answer)
    {
        if (Interlocked.Exchange(ref _called, 1) != 0)
            throw new InvalidOperationException($"The completion handler of {_callback} was called more than once; call it exactly once on every path (see US2102).");
        _answer.SetResult(answer);
    }
}

/// <summary>
/// Bridges a two-argument completion handler (<c>Action&lt;AuthChallengeDisposition, UrlCredential?&gt;</c>) to the
/// <see cref="ValueTask{TResult}"/> of a tuple the session awaits. Used by generated code.
/// </summary>
/// <typeparam name="T1">The first answer's type.</typeparam>
/// <typeparam name="T2">The second answer's type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CompletionHandlerSource<T1, T2>
{
    private readonly CompletionHandlerSource<(T1, T2)> _inner;

    /// <summary>Creates a source for one call of a callback.</summary>
    /// <param name="callback">The callback's name, for the error when the handler is called twice.</param>
    public CompletionHandlerSource(string callback) => _inner = new CompletionHandlerSource<(T1, T2)>(callback);

    /// <summary>The answer, once the handler has been called.</summary>
    public ValueTask<(T1, T2)> Task => _inner.Task;

    /// <summary>The completion handler passed to the user's method. Call it exactly once.</summary>
    /// <param name="first">The first answer.</param>
    /// <param name="second">The second answer.</param>
    public void Complete(T1 first, T2 second) => _inner.Complete((first, second));
}
