namespace Tier2.Functions.Hosting;

/// <summary>
/// The one rule for text the API and the invite form accept: a single-line field (a name, a city, an id) holds no
/// control character at all (no CR, LF, tab, NUL, DEL, C1 controls, nor the Unicode line and paragraph separators);
/// a multi-line field (an invite's message) may hold LF (CRLF is normalised to it) and nothing else of those. Text
/// that reaches an email header (a subject, a display name) is also made one line where it is built
/// (<see cref="OneLine"/>), so nothing stored can make a later step fail for ever.
/// </summary>
public static class TextInput
{
    public const string SingleLineError = "Must be a single line of text without line breaks or control characters.";
    public const string MultiLineError = "Must be text without control characters (line breaks are allowed).";

    /// <summary>True when <paramref name="value"/> (null counts) holds no control character or line separator.</summary>
    public static bool IsSingleLine(string? value) => value is null || !value.AsSpan().ContainsAny(Controls.Value);

    /// <summary>True when <paramref name="value"/> holds no control character but LF (and CRLF).</summary>
    public static bool IsMultiLine(string? value) => value is null || IsSingleLine(NormalizeLineBreaks(value).Replace('\n', ' '));

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

    private static readonly Lazy<System.Buffers.SearchValues<char>> Controls = new(() =>
        System.Buffers.SearchValues.Create(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(i => (char)i).Concat(['\u2028', '\u2029']).ToArray()));
}
