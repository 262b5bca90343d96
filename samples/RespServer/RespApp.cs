using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Synack.Hosting;

namespace RespServer;

/// <summary>The host: one shared <see cref="KeyValueStore"/>, one <see cref="RespHandler"/> (an inline handler) for every connection.</summary>
public static class RespApp
{
    /// <summary>The server's name, hence its configuration section <c>Synack:Servers:Resp</c>.</summary>
    public const string ServerName = "Resp";

    /// <summary>Builds the host; command-line arguments override appsettings.json (<c>--Synack:Servers:Resp:Listen:0=127.0.0.1:0</c>).</summary>
    public static HostApplicationBuilder CreateBuilder(string[] args)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory, // appsettings.json sits next to the binary
        });
        builder.Services.AddSingleton<KeyValueStore>();
        builder.Services.AddInlineTcpServer<RespHandler>(ServerName);
        return builder;
    }
}
