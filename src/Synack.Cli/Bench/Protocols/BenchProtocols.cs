namespace Synack.Cli.Bench.Protocols;

/// <summary>The protocols <c>synack bench --protocol</c> speaks, by name.</summary>
internal static class BenchProtocols
{
    /// <summary>The names, for help and errors.</summary>
    public static readonly string[] Names = ["echo", "resp", "http"];

    /// <summary>The protocol <paramref name="settings"/> asks for, aimed at <paramref name="host"/>.</summary>
    public static IBenchProtocol Create(BenchSettings settings, string host) => settings.Protocol switch
    {
        "resp" => new RespProtocol(settings.Command ?? "ping", settings.KeySpace, settings.Size),
        "http" => new HttpProtocol(host, settings.Path),
        _ => new EchoProtocol(settings.Size, settings.Framing),
    };
}
