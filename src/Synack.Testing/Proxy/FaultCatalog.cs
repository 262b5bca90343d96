using System.Globalization;
using Synack.Testing.Proxy.Faults;

namespace Synack.Testing.Proxy;

/// <summary>
/// Faults by name, from a spec such as <c>slicer:size=1,delay=1ms,direction=down</c> or <c>reset-peer:bytes=1000,p=0.5</c>.
/// Every fault takes <c>direction=up|down|both</c> (default both) and <c>p=</c> (probability per connection, default 1).
/// </summary>
public static class FaultCatalog
{
    private static readonly Dictionary<string, (string Usage, Func<Args, Fault> Create)> Faults = new()
    {
        ["latency"] = ("latency:ms=100[,jitter=10ms]", a => new LatencyFault(a.Time("ms", "0ms"), a.Time("jitter", "0ms"))),
        ["bandwidth"] = ("bandwidth:kbps=64", a => new BandwidthFault(checked(a.Long("kbps", null) * 1024))),
        ["slicer"] = ("slicer:size=1[,delay=1ms]", a => new SlicerFault((int)a.Long("size", "1"), a.Time("delay", "0ms"))),
        ["limit-data"] = ("limit-data:bytes=1000", a => new LimitDataFault(a.Long("bytes", null))),
        ["reset-peer"] = ("reset-peer:bytes=1000 | reset-peer:after=2s", a => a.Has("bytes") || a.Has("after")
            ? new ResetPeerFault(a.Has("bytes") ? a.Long("bytes", null) : null, a.Has("after") ? a.Time("after", null) : null)
            : throw new FormatException("reset-peer needs bytes= or after=")),
        ["black-hole"] = ("black-hole[:close=30s]", a => new BlackHoleFault(a.Time("close", "0ms"))),
        ["slow-close"] = ("slow-close:delay=2s", a => new SlowCloseFault(a.Time("delay", null))),
    };

    /// <summary>The known fault names with a usage example each.</summary>
    public static IEnumerable<string> Usages => Faults.Values.Select(f => f.Usage);

    /// <summary>Builds a fault from its spec.</summary>
    /// <exception cref="FormatException">Unknown fault, unknown or malformed parameter; the message says which.</exception>
    public static Fault Parse(string spec)
    {
        int colon = spec.IndexOf(':');
        string name = colon < 0 ? spec : spec[..colon];
        if (!Faults.TryGetValue(name, out var entry))
        {
            throw new FormatException($"unknown fault '{name}': choose one of {string.Join(", ", Faults.Keys)}");
        }

        var args = new Args(name, colon < 0 ? "" : spec[(colon + 1)..]);
        Fault fault = entry.Create(args);
        Direction direction = args.Text("direction", "both") switch
        {
            "up" or "upstream" => Direction.Upstream,
            "down" or "downstream" => Direction.Downstream,
            "both" => Direction.Both,
            var other => throw new FormatException($"{name}: direction must be up, down or both, not '{other}'"),
        };
        double probability = double.TryParse(args.Text("p", "1"), NumberStyles.Float, CultureInfo.InvariantCulture, out double p) && p is >= 0 and <= 1
            ? p
            : throw new FormatException($"{name}: p must be a probability from 0 to 1");
        args.RejectUnused();
        fault.Direction = direction;
        fault.Probability = probability;
        return fault;
    }

    /// <summary>The <c>key=value</c> parameters of one spec.</summary>
    private sealed class Args
    {
        private readonly string _fault;
        private readonly Dictionary<string, string> _values = new();
        private readonly HashSet<string> _used = new();

        public Args(string fault, string text)
        {
            _fault = fault;
            foreach (string pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int eq = pair.IndexOf('=');
                if (eq <= 0)
                {
                    throw new FormatException($"{fault}: expected key=value, not '{pair}'");
                }

                _values[pair[..eq]] = pair[(eq + 1)..];
            }
        }

        public bool Has(string key) => _values.ContainsKey(key);

        public string Text(string key, string? fallback)
        {
            _used.Add(key);
            return _values.TryGetValue(key, out string? value) ? value
                : fallback ?? throw new FormatException($"{_fault}: missing {key}=");
        }

        public long Long(string key, string? fallback) =>
            long.TryParse(Text(key, fallback), NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value >= 0
                ? value
                : throw new FormatException($"{_fault}: {key} must be a whole number");

        public TimeSpan Time(string key, string? fallback)
        {
            string text = Text(key, fallback);
            (string number, double scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
                : text.EndsWith('s') ? (text[..^1], 1.0)
                : (text, 0.001); // a bare number is milliseconds, as toxiproxy's latency
            return double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value)
                ? TimeSpan.FromSeconds(value * scale)
                : throw new FormatException($"{_fault}: {key} must be a duration such as 100ms or 2s");
        }

        public void RejectUnused()
        {
            string? unknown = _values.Keys.FirstOrDefault(k => !_used.Contains(k));
            if (unknown is not null)
            {
                throw new FormatException($"{_fault}: unknown parameter '{unknown}'");
            }
        }
    }
}
