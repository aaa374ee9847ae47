namespace UrlLoading.Tests.Requests;

public sealed class UrlRequestTests
{
    [Fact]
    public void A_request_is_immutable_and_with_expressions_make_changed_copies()
    {
        var request = new UrlRequest("http://127.0.0.1/a");
        var post = request with { HttpMethod = "POST", HttpBody = new byte[] { 1, 2 } };
        var withHeader = post.WithHeader("Content-Type", "text/plain");
        Assert.Equal("GET", request.HttpMethod);
        Assert.Null(request.HttpBody);
        Assert.Equal("POST", post.HttpMethod);
        Assert.Empty(post.Headers);
        Assert.Equal("text/plain", withHeader.Headers["content-type"]);
    }

    [Fact]
    public void Relative_urls_empty_methods_bad_header_names_and_non_positive_timeouts_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new UrlRequest("/relative"));
        Assert.Throws<ArgumentException>(() => new UrlRequest(new Uri("/relative", UriKind.Relative)));
        var request = new UrlRequest("http://127.0.0.1/");
        Assert.Throws<ArgumentException>(() => request with { HttpMethod = "" });
        Assert.Throws<ArgumentException>(() => request.WithHeader("Bad:Name", "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => request with { TimeoutInterval = TimeSpan.Zero });
    }
}
