using System.Security.Cryptography;

namespace Tier2.Functions.Orders;

/// <summary>
/// Temporary passwords for new customers' admin users: 16 characters from a cryptographic RNG, with at least one
/// upper-case letter, lower-case letter, digit and symbol (Microsoft Entra ID's complexity rules ask for three of
/// the four), and without look-alike characters (0/O, 1/l/I) so the password can be read out and typed.
/// </summary>
public static class TemporaryPassword
{
    public const int Length = 16;
    public const string Upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    public const string Lower = "abcdefghijkmnopqrstuvwxyz";
    public const string Digits = "23456789";
    public const string Symbols = "!@#$%^&*-_=+?";

    public static string Generate()
    {
        const string all = Upper + Lower + Digits + Symbols;
        var chars = new char[Length];
        chars[0] = Pick(Upper);
        chars[1] = Pick(Lower);
        chars[2] = Pick(Digits);
        chars[3] = Pick(Symbols);
        for (var i = 4; i < Length; i++)
        {
            chars[i] = Pick(all);
        }

        // Fisher-Yates with the same RNG, so the guaranteed classes are not always in front.
        for (var i = chars.Length - 1; i > 0; i--)
        {
            var j = RandomNumberGenerator.GetInt32(i + 1);
            (chars[i], chars[j]) = (chars[j], chars[i]);
        }

        return new string(chars);
    }

    /// <summary>Whether a password meets the rules this class generates for.</summary>
    public static bool MeetsComplexity(string password) =>
        password.Length >= Length
        && password.Any(c => Upper.Contains(c, StringComparison.Ordinal))
        && password.Any(c => Lower.Contains(c, StringComparison.Ordinal))
        && password.Any(c => Digits.Contains(c, StringComparison.Ordinal))
        && password.Any(c => Symbols.Contains(c, StringComparison.Ordinal));

    private static char Pick(string set) => set[RandomNumberGenerator.GetInt32(set.Length)];
}
