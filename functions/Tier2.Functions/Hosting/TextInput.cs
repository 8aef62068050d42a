using System.Text;

namespace Tier2.Functions.Hosting;

/// <summary>
/// The one rule for text the API and the invite form accept: a single-line field (a name, a city, an id) holds no
/// control character at all (no CR, LF, tab, NUL, DEL, C1 controls, nor the Unicode line and paragraph separators);
/// a multi-line field (an invite's message) may hold LF (CRLF is normalised to it) and nothing else of those. Neither
/// holds a format character (Unicode category Cf: zero-width spaces and joiners, the BOM, bidi embeddings, overrides
/// and isolates, invisible tags...), which hide text or change the order it is read in, so a name always shows as
/// what was typed; and text that is not blank has at least one visible character (a name made of fillers such as
/// U+3164 or combining marks alone shows as nothing). Text that reaches an email header (a subject, a display name)
/// is also made one line where it is built (<see cref="OneLine"/>), so nothing stored can make a later step fail for ever.
/// </summary>
public static class TextInput
{
    public const string SingleLineError = "Must be a single line of visible text: no line breaks, control characters, or invisible or direction-changing characters.";
    public const string MultiLineError = "Must be visible text without control characters (line breaks are allowed), or invisible or direction-changing characters.";

    /// <summary>True when <paramref name="value"/> (null counts) holds no control, line separator or format character, and is blank or shows something.</summary>
    public static bool IsSingleLine(string? value) => value is null || (!value.AsSpan().ContainsAny(Controls.Value) && IsVisibleText(value));

    /// <summary>True when <paramref name="value"/> holds no control character but LF (and CRLF), no format character, and is blank or shows something.</summary>
    public static bool IsMultiLine(string? value) => value is null || IsSingleLine(NormalizeLineBreaks(value).Replace('\n', ' '));

    /// <summary>
    /// No format character (Cf, in any plane) and, unless the text is blank, one character that shows: a letter, digit,
    /// punctuation or symbol that is not one of the blank fillers.
    /// </summary>
    private static bool IsVisibleText(string value)
    {
        var blank = true;
        var visible = false;
        foreach (var rune in value.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category == System.Globalization.UnicodeCategory.Format)
            {
                return false;
            }

            if (Rune.IsWhiteSpace(rune))
            {
                continue;
            }

            blank = false;
            visible |= category is not (System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.EnclosingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark)
                && !BlankFillers.Contains(rune.Value);
        }

        return blank || visible;
    }

    /// <summary>CRLF as LF.</summary>
    public static string NormalizeLineBreaks(string value) => value.Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>The text on one line: every run of whitespace or control characters becomes one space, trimmed.</summary>
    public static string OneLine(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new System.Text.StringBuilder(value.Length);
        var gap = false;
        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                gap = builder.Length > 0;
                continue;
            }

            if (gap)
            {
                builder.Append(' ');
                gap = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    // Letters and symbols that render as nothing (the Hangul fillers and the Braille blank): Unicode calls them
    // letters or symbols, so only a list finds them.
    private static readonly HashSet<int> BlankFillers = [0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800];

    private static readonly Lazy<System.Buffers.SearchValues<char>> Controls = new(() =>
        System.Buffers.SearchValues.Create(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(i => (char)i).Concat(['\u2028', '\u2029']).ToArray()));
}
