using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Synack.Connections;
using Microsoft.Extensions.Logging;
using Synack.Server;

namespace Synack.Hosting;

/// <summary>
/// Binds a configuration section (appsettings.json, environment variables, command line) onto <see cref="ServerOptions"/>:
/// <code>
/// "Synack": { "Servers": { "Echo": {
///     "Listen": [ "127.0.0.1:7000", "[::1]:7000", "unix:/run/echo.sock" ],
///     "Backlog": 512, "MaxConnections": 10000, "MaxBufferedBytes": 268435456, "DrainTimeout": "00:00:30",
///     "Connection": { "IdleTimeout": "00:02:00", "KeepAlive": { "Idle": "00:00:30" },
///                     "MinSendRate": { "BytesPerSecond": 240, "Grace": "00:00:05" } } } } }
/// </code>
/// <c>Listen</c> takes one address or an array (<see cref="ListenAddress"/>); every other key is a property of
/// <see cref="ServerOptions"/> or of its <c>Connection</c> options, validated by their setters. An unknown key or an
/// out-of-range value fails host start-up with the key's path in the message
/// (<c>configuration 'Synack:Servers:Echo:MaxConnections': ...</c>), instead of being silently ignored. A TimeSpan
/// written as a bare number (<c>"5"</c>) is read by .NET as that many days: it is logged as a warning with the fix.
/// </summary>
public static class ServerConfiguration
{
    /// <summary>The conventional section of a named server: <c>Synack:Servers:{name}</c>.</summary>
    public static string SectionPath(string name) => $"Synack:Servers:{name}";

    /// <summary>Applies <paramref name="section"/> to <paramref name="options"/>.</summary>
    /// <exception cref="InvalidOperationException">An unknown key, a malformed address or an out-of-range value.</exception>
    public static void Bind(IConfigurationSection section, ServerOptions options) => Bind(section, options, null);

    /// <summary>Applies <paramref name="section"/> to <paramref name="options"/>, warning through <paramref name="logger"/> of TimeSpans written as bare numbers.</summary>
    /// <exception cref="InvalidOperationException">An unknown key, a malformed address or an out-of-range value, with the key's path.</exception>
    public static void Bind(IConfigurationSection section, ServerOptions options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(options);
        string path = section.Path;
        try
        {
            foreach (IConfigurationSection child in section.GetChildren())
            {
                if (child.Key.Equals("Listen", StringComparison.OrdinalIgnoreCase))
                {
                    foreach (IConfigurationSection address in child.Value is null ? child.GetChildren() : [child])
                    {
                        path = address.Path;
                        options.Listen(address.Value ?? "");
                    }

                    path = section.Path;
                }
                else if (typeof(ServerOptions).GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is null)
                {
                    path = child.Path;
                    throw new InvalidOperationException("unknown setting");
                }
            }

            WarnOfBareTimeSpans(section, logger);
            section.Bind(options); // "Listen" is a method, not a property: the binder passes it by
            IConfigurationSection connection = section.GetSection(nameof(ServerOptions.Connection));
            connection.Bind(options.Connection, o => o.ErrorOnUnknownConfiguration = true);
            options.Connection.MinReceiveRate = BindRate(connection.GetSection(nameof(ConnectionOptions.MinReceiveRate)), options.Connection.MinReceiveRate);
            options.Connection.MinSendRate = BindRate(connection.GetSection(nameof(ConnectionOptions.MinSendRate)), options.Connection.MinSendRate);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or TargetInvocationException)
        {
            // The binder wraps a setter's ArgumentOutOfRangeException in a TargetInvocationException and does not say
            // which key it was binding (issue 15): show the setter's own words, at the key that caused them.
            Exception cause = Unwrap(e);
            if (path == section.Path && SettingPaths.FindRejected(section) is { } rejected)
            {
                path = rejected.Path;
                cause = rejected.Error;
            }

            throw new InvalidOperationException($"configuration '{path}': {cause.Message}", cause);
        }
    }

    /// <summary>The setter's exception inside the binder's wrappers.</summary>
    internal static Exception Unwrap(Exception e)
    {
        Exception cause = e;
        while (cause is not (ArgumentException or FormatException) && cause.InnerException is { } inner)
        {
            cause = inner;
        }

        return cause is ArgumentException or FormatException ? cause : e;
    }

    /// <summary>A TimeSpan setting written as a bare number ("5") means that many days to .NET's converter: say so.</summary>
    private static void WarnOfBareTimeSpans(IConfigurationSection section, ILogger? logger)
    {
        if (logger is null)
        {
            return;
        }

        foreach ((IConfigurationSection leaf, Type type) in SettingPaths.Leaves(section))
        {
            if ((Nullable.GetUnderlyingType(type) ?? type) == typeof(TimeSpan) && long.TryParse(leaf.Value, out long days))
            {
                SynackLog.BareTimeSpan(logger, leaf.Path, leaf.Value!, days, TimeSpan.FromSeconds(Math.Min(days, 86_399)).ToString());
            }
        }
    }

    /// <summary>
    /// A <see cref="DataRate"/> from its section (<c>"MinSendRate": { "BytesPerSecond": 4096, "Grace": "00:00:01" }</c>),
    /// each key defaulting to the current rate's: it has no setters, so the binder would leave it as it was, silently.
    /// </summary>
    private static DataRate? BindRate(IConfigurationSection section, DataRate? current)
    {
        if (!section.GetChildren().Any())
        {
            return current;
        }

        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (child.Key is not (nameof(DataRate.BytesPerSecond) or nameof(DataRate.Grace)))
            {
                throw new InvalidOperationException($"unknown setting '{child.Path}'");
            }
        }

        DataRate basis = current ?? DataRate.Default;
        try
        {
            return new DataRate(
                section[nameof(DataRate.BytesPerSecond)] is { } rate ? double.Parse(rate, CultureInfo.InvariantCulture) : basis.BytesPerSecond,
                section[nameof(DataRate.Grace)] is { } grace ? TimeSpan.Parse(grace, CultureInfo.InvariantCulture) : basis.Grace);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new ArgumentException($"'{section.Path}': {e.Message}", e); // the setter's words do not name the key
        }
    }
}
