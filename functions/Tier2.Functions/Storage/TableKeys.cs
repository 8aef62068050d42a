using System.Globalization;
using System.Text;

namespace Tier2.Functions.Storage;

/// <summary>
/// Text used inside a PartitionKey or RowKey. The Table service refuses <c>/ \ # ?</c> and control characters in
/// keys, and our keys use <c>|</c> as a separator: those (and <c>%</c>) are percent-encoded, so the mapping stays
/// one-to-one (two different addresses never share an index row) and prefixes still match prefixes.
/// </summary>
public static class TableKeys
{
    public static string Escape(string text)
    {
        StringBuilder? escaped = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '/' or '\\' or '#' or '?' or '|' or '%' || char.IsControl(c))
            {
                escaped ??= new StringBuilder(text, 0, i, text.Length + 8);
                escaped.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                escaped?.Append(c);
            }
        }

        return escaped?.ToString() ?? text;
    }
}
