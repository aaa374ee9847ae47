using System;

namespace UrlLoading;

/// <summary>
/// Marks a <c>partial class</c> as a session delegate. The UrlSession source generator implements
/// <see cref="IUrlSessionDelegate"/> for it at compile time: methods named after Apple's callbacks
/// (<c>DidReceiveData</c>, <c>DidFinishDownloading</c>, ...) are called directly, with no reflection.
/// Parameters a method does not need may be left out; see <c>docs/delegate-callbacks.md</c> for the catalog.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class UrlSessionDelegateAttribute : Attribute
{
}
