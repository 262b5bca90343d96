using System.Reflection;
using Microsoft.Extensions.Configuration;
using Synack.Server;

namespace Synack.Hosting;

/// <summary>
/// Binds a configuration section (appsettings.json, environment variables, command line) onto <see cref="ServerOptions"/>:
/// <code>
/// "Synack": { "Servers": { "Echo": {
///     "Listen": [ "127.0.0.1:7000", "[::1]:7000", "unix:/run/echo.sock" ],
///     "Backlog": 512, "MaxConnections": 10000, "DrainTimeout": "00:00:30",
///     "Connection": { "IdleTimeout": "00:02:00", "KeepAlive": { "Idle": "00:00:30" } } } } }
/// </code>
/// <c>Listen</c> takes one address or an array (<see cref="ListenAddress"/>); every other key is a property of
/// <see cref="ServerOptions"/> or of its <c>Connection</c> options, validated by their setters. An unknown key or an
/// out-of-range value fails host start-up with the key's path in the message, instead of being silently ignored.
/// </summary>
public static class ServerConfiguration
{
    /// <summary>The conventional section of a named server: <c>Synack:Servers:{name}</c>.</summary>
    public static string SectionPath(string name) => $"Synack:Servers:{name}";

    /// <summary>Applies <paramref name="section"/> to <paramref name="options"/>.</summary>
    /// <exception cref="InvalidOperationException">An unknown key, a malformed address or an out-of-range value.</exception>
    public static void Bind(IConfigurationSection section, ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            foreach (IConfigurationSection child in section.GetChildren())
            {
                if (child.Key.Equals("Listen", StringComparison.OrdinalIgnoreCase))
                {
                    foreach (string address in child.Value is { } one ? [one] : child.GetChildren().Select(c => c.Value ?? ""))
                    {
                        options.Listen(address);
                    }
                }
                else if (typeof(ServerOptions).GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is null)
                {
                    throw new InvalidOperationException($"unknown setting '{child.Path}'");
                }
            }

            section.Bind(options); // "Listen" is a method, not a property: the binder passes it by
            section.GetSection(nameof(ServerOptions.Connection)).Bind(options.Connection, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or TargetInvocationException)
        {
            // The binder wraps a setter's ArgumentOutOfRangeException; show the setter's own words.
            Exception cause = e;
            while (cause is not (ArgumentException or FormatException) && cause.InnerException is { } inner)
            {
                cause = inner;
            }

            throw new InvalidOperationException($"configuration '{section.Path}': {(cause is ArgumentException or FormatException ? cause : e).Message}", e);
        }
    }
}
