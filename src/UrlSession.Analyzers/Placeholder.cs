namespace UrlLoading.Analyzers { internal static class Placeholder {} }
