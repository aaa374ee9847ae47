using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace UrlLoading;

/// <summary>
/// What a cancelled or failed download needs to continue where it stopped (Apple's resume data). Opaque and
/// persistable: save <see cref="ToArray"/> and restore with <see cref="FromBytes"/>. It is versioned and checksummed,
/// and it names only a file in the session's download folder, never an arbitrary path.
/// </summary>
public sealed partial class ResumeData
{
    private const int Version = 1;
    private static readonly byte[] s_magic = "USRD"u8.ToArray();

    internal ResumeData(Uri url, IReadOnlyDictionary<string, string> headers, string? entityTag, string? lastModified, string fileName, long bytesOnDisk, long expectedLength)
    {
        Url = url;
        Headers = headers;
        EntityTag = entityTag;
        LastModified = lastModified;
        FileName = fileName;
        BytesOnDisk = bytesOnDisk;
        ExpectedLength = expectedLength;
    }

    /// <summary>The URL being downloaded.</summary>
    public Uri Url { get; }

    /// <summary>How many bytes were saved.</summary>
    public long BytesOnDisk { get; }

    /// <summary>The full length of the resource, or -1 when unknown.</summary>
    public long ExpectedLength { get; }

    internal IReadOnlyDictionary<string, string> Headers { get; }

    internal string? EntityTag { get; }

    internal string? LastModified { get; }

    internal string FileName { get; }

    internal string Validator => EntityTag ?? LastModified!;

    internal string FilePathIn(string folder) => Path.Combine(folder, FileName);

    /// <summary>The resume data as bytes, to store anywhere.</summary>
    /// <returns>The bytes.</returns>
    public byte[] ToArray()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(s_magic);
            writer.Write((byte)Version);
            writer.Write(Url.AbsoluteUri);
            writer.Write(EntityTag ?? "");
            writer.Write(LastModified ?? "");
            writer.Write(FileName);
            writer.Write(BytesOnDisk);
            writer.Write(ExpectedLength);
            writer.Write(Headers.Count);
            foreach (var (name, value) in Headers)
            {
                writer.Write(name);
                writer.Write(value);
            }
        }
        byte[] body = buffer.ToArray();
        return [.. body, .. SHA256.HashData(body)];
    }

    /// <summary>Reads resume data saved with <see cref="ToArray"/>.</summary>
    /// <param name="bytes">The saved bytes.</param>
    /// <returns>The resume data.</returns>
    /// <exception cref="UrlError">The bytes are truncated, corrupt, from another format or version, or name a file outside the download folder (<see cref="UrlErrorCode.CannotDecodeRawData"/>).</exception>
    public static ResumeData FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < s_magic.Length + 1 + SHA256.HashSizeInBytes || !bytes[..s_magic.Length].SequenceEqual(s_magic))
            throw Invalid("it is not UrlSession resume data");
        var body = bytes[..^SHA256.HashSizeInBytes];
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes[^SHA256.HashSizeInBytes..]))
            throw Invalid("its checksum does not match (truncated or altered)");
        if (body[s_magic.Length] != Version)
            throw Invalid($"its format version {body[s_magic.Length]} is not {Version}");
        try
        {
            using var reader = new BinaryReader(new MemoryStream(body[(s_magic.Length + 1)..].ToArray()), Encoding.UTF8);
            var url = new Uri(reader.ReadString(), UriKind.Absolute);
            string entityTag = reader.ReadString(), lastModified = reader.ReadString(), fileName = reader.ReadString();
            long bytesOnDisk = reader.ReadInt64(), expectedLength = reader.ReadInt64();
            int headerCount = reader.ReadInt32();
            if (headerCount is < 0 or > 1000)
                throw Invalid("its header count is out of range");
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < headerCount; i++)
                headers[reader.ReadString()] = reader.ReadString();
            if (!FileNamePattern().IsMatch(fileName))
                throw Invalid("it names a file outside the download folder");
            if (entityTag.Length == 0 && lastModified.Length == 0)
                throw Invalid("it has no validator");
            if (bytesOnDisk < 0)
                throw Invalid("its byte count is negative");
            return new ResumeData(url, HeaderFields.From(headers), entityTag.Length > 0 ? entityTag : null, lastModified.Length > 0 ? lastModified : null, fileName, bytesOnDisk, expectedLength);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or UriFormatException or FormatException or ArgumentException)
        {
            throw Invalid("its fields cannot be read", e);
        }
    }

    internal static bool IsDownloadFileName(string fileName) => FileNamePattern().IsMatch(fileName);

    private static UrlError Invalid(string why, Exception? inner = null) =>
        new(UrlErrorCode.CannotDecodeRawData, null, $"The resume data cannot be used: {why}. Start a new download with DownloadTask(request).", inner);

    [GeneratedRegex("^UrlSessionDownload_[0-9a-f]{32}\\.tmp$")]
    private static partial Regex FileNamePattern();
}
