using System.Buffers.Text;
using System.Text;

namespace Tier2.Functions.Storage;

/// <summary>
/// Opaque continuation tokens for list endpoints: the Table service's own token, base64url-wrapped with a
/// marker so a token from one list cannot be replayed against another.
/// </summary>
public static class ContinuationToken
{
    public static string? Encode(string scope, string? tableToken) =>
        tableToken is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(scope + "\n" + tableToken));

    /// <summary>Decodes a token; false when it is malformed or was issued for another list.</summary>
    public static bool TryDecode(string scope, string? token, out string? tableToken)
    {
        tableToken = null;
        if (string.IsNullOrEmpty(token))
        {
            return true;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            var newline = text.IndexOf('\n', StringComparison.Ordinal);
            if (newline < 0 || !string.Equals(text[..newline], scope, StringComparison.Ordinal))
            {
                return false;
            }

            tableToken = text[(newline + 1)..];
            return tableToken.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
