namespace Synack.Cli.Bench;

/// <summary>One second of the measured window, for the JSON series and the report's charts over time.</summary>
/// <param name="Second">Seconds since the window began, at this second's end.</param>
/// <param name="Messages">Replies completed in this second.</param>
/// <param name="P99Microseconds">Their p99 round trip (0 with no replies).</param>
/// <param name="Errors">Failures in this second, by kind.</param>
internal sealed record BenchSecond(double Second, long Messages, double P99Microseconds, IReadOnlyDictionary<string, long> Errors);
