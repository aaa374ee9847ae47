namespace UrlLoading.CodeFixes { internal static class Placeholder {} }
