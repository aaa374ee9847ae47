using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using UrlLoading;

// A NativeAOT program: a data task and a download through a generated delegate, against a loopback server it runs
// itself. No reflection anywhere: the generator bound AotDelegate's methods at compile time.
var body = new byte[256 * 1024];
new Random(7).NextBytes(body);
using var listener = new TcpListener(IPAddress.Loopback, 0);
listener.Start();
var serving = ServeAsync(listener, body);
var baseUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");

var events = new AotDelegate();
await using (var session = new UrlSession(UrlSessionConfiguration.Ephemeral, events))
{
    session.DataTask(new Uri(baseUrl, "hello")).Resume();
    await events.Completed.Task;
    events.Reset();
    session.DownloadTask(new Uri(baseUrl, "file.bin")).Resume();
    await events.Completed.Task;
}
Console.WriteLine($"expected sha256 {Convert.ToHexString(SHA256.HashData(body))[..16]}");
listener.Stop();
await serving;
return 0;

// Two requests, one connection each: /hello answers text, anything else the file.
static async Task ServeAsync(TcpListener listener, byte[] file)
{
    for (int served = 0; served < 2; served++)
    {
        using var client = await listener.AcceptTcpClientAsync();
        using var stream = client.GetStream();
        var head = new StringBuilder();
        var buffer = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(buffer) == 1)
            head.Append((char)buffer[0]);
        byte[] content = head.ToString().StartsWith("GET /hello", StringComparison.Ordinal) ? "hello from a NativeAOT loopback server"u8.ToArray() : file;
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {content.Length}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"));
        await stream.WriteAsync(content);
    }
}

[UrlSessionDelegate]
internal sealed partial class AotDelegate
{
    private readonly MemoryStream _data = new();

    public TaskCompletionSource Completed { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Reset() => Completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void DidReceiveResponse(UrlResponse response, Action<ResponseDisposition> completionHandler)
    {
        Console.WriteLine($"response {((HttpUrlResponse)response).StatusCode}, {response.ExpectedContentLength} bytes expected");
        completionHandler(ResponseDisposition.Allow);
    }

    private void DidReceiveData(ReadOnlyMemory<byte> data) => _data.Write(data.Span);

    private void DidFinishDownloading(UrlSessionDownloadTask task, string location)
    {
        byte[] file = File.ReadAllBytes(location);
        Console.WriteLine($"download {(task.Response as HttpUrlResponse)?.StatusCode}: {file.Length} bytes, sha256 {Convert.ToHexString(SHA256.HashData(file))[..16]}");
    }

    private void DidCompleteWithError(UrlSessionTask task, UrlError? error)
    {
        if (task is UrlSessionDataTask and not UrlSessionUploadTask && _data.Length > 0)
            Console.WriteLine($"data: \"{Encoding.UTF8.GetString(_data.ToArray())}\"");
        Console.WriteLine($"task {task.TaskIdentifier} complete: {(error is null ? "ok" : error.Code.ToString())}");
        _data.SetLength(0);
        Completed.TrySetResult();
    }
}
