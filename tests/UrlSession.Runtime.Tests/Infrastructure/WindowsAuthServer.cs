using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace UrlLoading.Tests.Infrastructure;

/// <summary>
/// A Kestrel server on 127.0.0.1 that authenticates with NTLMv2 (MS-NLMP) and with Negotiate (SPNEGO, RFC 4178,
/// carrying NTLM), verifying each answer against its own user table, the way a Windows server does. The handshake
/// state lives on the connection, so a client that moves to another connection mid-handshake fails, as with IIS.
/// <c>/auth?offer=ntlm,negotiate,basic</c> chooses the schemes the 401 offers; with <c>&amp;proxy=1</c> it plays an
/// HTTP proxy instead (a request in absolute form, answered with 407 and <c>Proxy-Authenticate</c>).
/// </summary>
public sealed class WindowsAuthServer : IAsyncDisposable
{
    public const string Domain = "TESTDOM";
    private const string SpnegoOid = "1.3.6.1.5.5.2";
    private const string NtlmOid = "1.3.6.1.4.1.311.2.2.10";
    private static readonly Dictionary<string, string> s_passwords = new(StringComparer.OrdinalIgnoreCase) { ["alice"] = "wonderland" };
    private readonly WebApplication _app;

    private WindowsAuthServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.Map("/auth", Authenticate);
    }

    /// <summary>Every verdict, in order: "NTLM TESTDOM\alice ok", "Negotiate TESTDOM\alice wrong password", ...</summary>
    public ConcurrentQueue<string> Verdicts { get; } = new();

    public Uri Url(string offer) => new(Address, $"/auth?offer={offer}");

    public Uri Address => new(_app.Urls.First());

    public static async Task<WindowsAuthServer> StartAsync()
    {
        var server = new WindowsAuthServer();
        await server._app.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task Authenticate(HttpContext http)
    {
        var offers = http.Request.Query["offer"].ToString().Split(',');
        var connection = http.Features.Get<IConnectionItemsFeature>()!.Items;
        bool proxy = http.Request.Query["proxy"] == "1";
        string header = (proxy ? http.Request.Headers.ProxyAuthorization : http.Request.Headers.Authorization).ToString();
        int space = header.IndexOf(' ', StringComparison.Ordinal);
        string scheme = space > 0 ? header[..space] : header;
        byte[] token = space > 0 ? Convert.FromBase64String(header[(space + 1)..]) : [];
        bool spnego = scheme.Equals("Negotiate", StringComparison.OrdinalIgnoreCase) && offers.Contains("negotiate");
        bool ntlm = scheme.Equals("NTLM", StringComparison.OrdinalIgnoreCase) && offers.Contains("ntlm");
        if (spnego || ntlm)
        {
            byte[] message = spnego ? InnerToken(token) : token;
            if (message.Length > 8 && message[8] == 1)
            {
                // NEGOTIATE_MESSAGE: answer with a CHALLENGE_MESSAGE, remembered on this connection.
                byte[] challenge = ChallengeMessage(out byte[] serverChallenge);
                connection["ntlm-challenge"] = serverChallenge;
                await Refuse(http, $"{scheme} {Convert.ToBase64String(spnego ? SpnegoResponse(1, challenge) : challenge)}");
                return;
            }
            if (message.Length > 8 && message[8] == 3 && connection.TryGetValue("ntlm-challenge", out var remembered))
            {
                connection.Remove("ntlm-challenge");
                var (user, domain, ok) = Verify(message, (byte[])remembered!);
                Verdicts.Enqueue($"{scheme} {domain}\\{user} {(ok ? "ok" : "wrong password")}");
                if (ok)
                {
                    if (spnego)
                        http.Response.Headers[proxy ? "Proxy-Authenticate" : "WWW-Authenticate"] = $"Negotiate {Convert.ToBase64String(SpnegoResponse(0, null))}";
                    await http.Response.WriteAsync($"welcome {domain}\\{user} via {scheme}{(proxy ? $" to {http.Request.Host}" : "")}");
                    return;
                }
            }
            else
            {
                // An AUTHENTICATE_MESSAGE on a connection that never got a challenge: the handshake changed connections.
                Verdicts.Enqueue($"{scheme} out of order");
            }
        }
        await Refuse(http, null);

        async Task Refuse(HttpContext context, string? continuation)
        {
            context.Response.StatusCode = proxy ? 407 : 401;
            string name = proxy ? "Proxy-Authenticate" : "WWW-Authenticate";
            if (continuation is not null)
            {
                context.Response.Headers[name] = continuation;
            }
            else
            {
                var schemes = new List<string>();
                if (offers.Contains("negotiate"))
                    schemes.Add("Negotiate");
                if (offers.Contains("ntlm"))
                    schemes.Add("NTLM");
                if (offers.Contains("basic"))
                    schemes.Add("Basic realm=\"windows\"");
                context.Response.Headers[name] = schemes.ToArray();
            }
            await context.Response.WriteAsync("denied");
        }
    }

    /// <summary>A CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) offering NTLMv2 with signing, the flags modern clients require.</summary>
    private static byte[] ChallengeMessage(out byte[] serverChallenge)
    {
        const uint flags = 0x00000001 | 0x00000004 | 0x00000010 | 0x00000200 | 0x00008000 | 0x00010000 | 0x00080000
            | 0x00800000 | 0x02000000 | 0x20000000 | 0x40000000;
        serverChallenge = RandomNumberGenerator.GetBytes(8);
        byte[] targetName = Encoding.Unicode.GetBytes(Domain);
        var info = new MemoryStream();
        void Pair(ushort id, ReadOnlySpan<byte> value)
        {
            Span<byte> head = stackalloc byte[4];
            BinaryPrimitives.WriteUInt16LittleEndian(head, id);
            BinaryPrimitives.WriteUInt16LittleEndian(head[2..], (ushort)value.Length);
            info.Write(head);
            info.Write(value);
        }
        Pair(2, Encoding.Unicode.GetBytes(Domain));
        Pair(1, Encoding.Unicode.GetBytes("SERVER"));
        Pair(4, Encoding.Unicode.GetBytes("testdom.test"));
        Pair(3, Encoding.Unicode.GetBytes("server.testdom.test"));
        Span<byte> time = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(time, DateTime.UtcNow.ToFileTimeUtc());
        Pair(7, time);
        Pair(0, []);
        byte[] targetInfo = info.ToArray();

        const int header = 56;
        var message = new byte[header + targetName.Length + targetInfo.Length];
        "NTLMSSP\0"u8.CopyTo(message);
        message[8] = 2;
        WriteField(message, 12, targetName.Length, header);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(20), flags);
        serverChallenge.CopyTo(message, 24);
        WriteField(message, 40, targetInfo.Length, header + targetName.Length);
        message[48] = 10; // version 10.0, build 19041, NTLM revision 15
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(50), 19041);
        message[55] = 15;
        targetName.CopyTo(message, header);
        targetInfo.CopyTo(message, header + targetName.Length);
        return message;
    }

    /// <summary>Checks an AUTHENTICATE_MESSAGE's NTLMv2 response (MS-NLMP 3.3.2) against the user table.</summary>
    private static (string User, string Domain, bool Ok) Verify(byte[] message, byte[] serverChallenge)
    {
        byte[] ntResponse = Field(message, 20);
        string domain = Encoding.Unicode.GetString(Field(message, 28));
        string user = Encoding.Unicode.GetString(Field(message, 36));
        if (ntResponse.Length <= 16 || !s_passwords.TryGetValue(user, out var password) || !domain.Equals(Domain, StringComparison.OrdinalIgnoreCase))
            return (user, domain, false);
        byte[] ntowf = HMACMD5.HashData(Md4(Encoding.Unicode.GetBytes(password)), Encoding.Unicode.GetBytes(user.ToUpperInvariant() + domain));
        byte[] proof = HMACMD5.HashData(ntowf, serverChallenge.Concat(ntResponse.Skip(16)).ToArray());
        return (user, domain, CryptographicOperations.FixedTimeEquals(proof, ntResponse.AsSpan(0, 16)));
    }

    private static void WriteField(byte[] message, int at, int length, int offset)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(at), (ushort)length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(at + 2), (ushort)length);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(at + 4), offset);
    }

    private static byte[] Field(byte[] message, int at)
    {
        int length = BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(at));
        int offset = BinaryPrimitives.ReadInt32LittleEndian(message.AsSpan(at + 4));
        return message.AsSpan(offset, length).ToArray();
    }

    /// <summary>The NTLM token inside a SPNEGO NegTokenInit (the first leg) or NegTokenResp (the later ones).</summary>
    private static byte[] InnerToken(byte[] token)
    {
        var reader = new AsnReader(token, AsnEncodingRules.DER);
        AsnReader fields;
        if (reader.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.Application, 0)))
        {
            var init = reader.ReadSequence(new Asn1Tag(TagClass.Application, 0));
            if (init.ReadObjectIdentifier() != SpnegoOid)
                return [];
            fields = init.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
        }
        else
        {
            fields = reader.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 1)).ReadSequence();
        }
        while (fields.HasData)
        {
            var tag = fields.PeekTag();
            // mechToken in NegTokenInit and responseToken in NegTokenResp are both field [2].
            if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 2)
                return fields.ReadSequence(tag).ReadOctetString();
            fields.ReadEncodedValue();
        }
        return [];
    }

    /// <summary>A NegTokenResp: state 1 (accept-incomplete, with NTLM as the chosen mechanism and its token) or 0 (accept-completed).</summary>
    private static byte[] SpnegoResponse(int state, byte[]? token)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1)))
        using (writer.PushSequence())
        {
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
                writer.WriteEnumeratedValue((NegState)state);
            if (token is not null)
            {
                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1)))
                    writer.WriteObjectIdentifier(NtlmOid);
                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2)))
                    writer.WriteOctetString(token);
            }
        }
        return writer.Encode();
    }

    private enum NegState
    {
        AcceptCompleted = 0,
        AcceptIncomplete = 1,
    }

    /// <summary>MD4 (RFC 1320), which NTLM's password hash needs and .NET does not expose.</summary>
    public static byte[] Md4(byte[] input)
    {
        uint a = 0x67452301, b = 0xefcdab89, c = 0x98badcfe, d = 0x10325476;
        int padded = (input.Length + 8) / 64 * 64 + 64;
        var data = new byte[padded];
        input.CopyTo(data, 0);
        data[input.Length] = 0x80;
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(padded - 8), (long)input.Length * 8);
        ReadOnlySpan<int> order2 = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
        ReadOnlySpan<int> order3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
        ReadOnlySpan<int> shifts = [3, 7, 11, 19, 3, 5, 9, 13, 3, 9, 11, 15];
        Span<uint> x = stackalloc uint[16];
        for (int block = 0; block < padded; block += 64)
        {
            for (int i = 0; i < 16; i++)
                x[i] = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(block + 4 * i));
            uint aa = a, bb = b, cc = c, dd = d;
            for (int step = 0; step < 48; step++)
            {
                int round = step / 16, i = step % 16;
                uint mixed = round switch
                {
                    0 => ((b & c) | (~b & d)) + x[i],
                    1 => ((b & c) | (b & d) | (c & d)) + x[order2[i]] + 0x5A827999,
                    _ => (b ^ c ^ d) + x[order3[i]] + 0x6ED9EBA1,
                };
                uint rotated = uint.RotateLeft(a + mixed, shifts[round * 4 + i % 4]);
                (a, b, c, d) = (d, rotated, b, c);
            }
            (a, b, c, d) = (a + aa, b + bb, c + cc, d + dd);
        }
        var hash = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(hash, a);
        BinaryPrimitives.WriteUInt32LittleEndian(hash.AsSpan(4), b);
        BinaryPrimitives.WriteUInt32LittleEndian(hash.AsSpan(8), c);
        BinaryPrimitives.WriteUInt32LittleEndian(hash.AsSpan(12), d);
        return hash;
    }
}
