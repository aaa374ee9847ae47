namespace UrlLoading.Generators;

/// <summary>Names of the generator's pipeline steps, so tests can check that a second run is cached.</summary>
public static class TrackingNames
{
    /// <summary>Every class carrying <c>[UrlSessionDelegate]</c>, turned into a model (null when it cannot be generated).</summary>
    public const string DelegateClasses = nameof(DelegateClasses);

    /// <summary>The classes the generator emits code for.</summary>
    public const string ValidDelegateClasses = nameof(ValidDelegateClasses);
}
