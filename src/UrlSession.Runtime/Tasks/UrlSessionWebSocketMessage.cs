using System;

namespace UrlLoading;

/// <summary>
/// One WebSocket message (Apple's <c>URLSessionWebSocketTask.Message</c>): text (<see cref="Text"/> is set) or binary
/// (<see cref="Text"/> is null and the bytes are in <see cref="Data"/>).
/// </summary>
public sealed class UrlSessionWebSocketMessage
{
    /// <summary>A text message (Apple's <c>.string</c>), sent as UTF-8.</summary>
    /// <param name="text">The text.</param>
    public UrlSessionWebSocketMessage(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Text = text;
    }

    /// <summary>A binary message (Apple's <c>.data</c>). The bytes are not copied: leave them unchanged until the send completes.</summary>
    /// <param name="data">The bytes.</param>
    public UrlSessionWebSocketMessage(ReadOnlyMemory<byte> data) => Data = data;

    /// <summary>The text of a text message; null for a binary message.</summary>
    public string? Text { get; }

    /// <summary>The bytes of a binary message; empty for a text message.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>True for a text message.</summary>
    public bool IsText => Text is not null;

    /// <inheritdoc />
    public override string ToString() => Text is { } text ? $"text ({text.Length} chars)" : $"data ({Data.Length} bytes)";
}
