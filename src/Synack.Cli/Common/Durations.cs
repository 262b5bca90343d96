using System.Globalization;

namespace Synack.Cli.Common;

/// <summary>Parses durations written as <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c> or a bare number of seconds.</summary>
internal static class Durations
{
    /// <summary>Parses <paramref name="text"/>; <paramref name="option"/> names the option in the error line.</summary>
    public static TimeSpan Parse(string text, string option)
    {
        (string number, double scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value)
            || double.IsInfinity(value * scale) || value * scale > TimeSpan.FromDays(1).TotalSeconds)
        {
            throw new UsageException($"{option}: '{text}' is not a duration (e.g. 500ms, 5s, 2m; at most 24h)");
        }

        return TimeSpan.FromSeconds(value * scale);
    }

    /// <summary>Formats a duration for humans: <c>850 µs</c>, <c>12.3 ms</c>, <c>4.20 s</c>.</summary>
    public static string Show(TimeSpan duration) => duration.TotalMilliseconds switch
    {
        < 1 => $"{duration.TotalMicroseconds:F0} µs",
        < 1000 => $"{duration.TotalMilliseconds:F1} ms",
        _ => $"{duration.TotalSeconds:F2} s",
    };
}
