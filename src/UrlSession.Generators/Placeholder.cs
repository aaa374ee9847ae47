namespace UrlLoading.Generators { internal static class Placeholder {} }
