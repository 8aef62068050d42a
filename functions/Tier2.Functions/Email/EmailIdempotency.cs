using System.Security.Cryptography;
using System.Text;

namespace Tier2.Functions.Email;

/// <summary>Maps an idempotency key to the provider's ids, always the same way.</summary>
public static class EmailIdempotency
{
    /// <summary>
    /// The ACS <c>Operation-Id</c> (the service wants a UUID): the first 16 bytes of SHA-256("tier2-email:" + key)
    /// stamped as an RFC 9562 version 8 (custom) UUID.
    /// </summary>
    public static Guid OperationId(string idempotencyKey)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Hash(idempotencyKey, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>The SMTP <c>Message-Id</c> (without angle brackets): a hash of the key at the sender's domain.</summary>
    public static string MessageId(string idempotencyKey, string senderAddress)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Hash(idempotencyKey, hash);
        var at = senderAddress.LastIndexOf('@');
        var domain = at >= 0 && at < senderAddress.Length - 1 ? senderAddress[(at + 1)..] : "tier2.invalid";
        return $"{Convert.ToHexStringLower(hash[..20])}.tier2@{domain}";
    }

    private static void Hash(string idempotencyKey, Span<byte> destination)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        SHA256.HashData(Encoding.UTF8.GetBytes("tier2-email:" + idempotencyKey), destination);
    }
}
