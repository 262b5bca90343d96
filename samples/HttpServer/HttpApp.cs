using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synack.Hosting;

namespace HttpServer;

/// <summary>The host: <see cref="HttpSettings"/> from section <c>Http</c>, the files, one <see cref="HttpHandler"/> (an inline handler) for every connection.</summary>
public static class HttpApp
{
    /// <summary>The server's name, hence its configuration section <c>Synack:Servers:Http</c>.</summary>
    public const string ServerName = "Http";

    /// <summary>Builds the host; command-line arguments override appsettings.json (<c>--Synack:Servers:Http:Listen:0=127.0.0.1:0 --Http:Root=./www</c>).</summary>
    public static HostApplicationBuilder CreateBuilder(string[] args)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory, // appsettings.json sits next to the binary
        });
        builder.Services.AddOptions<HttpSettings>()
            .Bind(builder.Configuration.GetSection(HttpSettings.SectionName), o => o.ErrorOnUnknownConfiguration = true);
        builder.Services.AddSingleton(provider =>
        {
            var files = new StaticFiles(provider.GetRequiredService<IOptions<HttpSettings>>().Value.Root);
            ILogger logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("HttpServer");
            if (!files.RootExists)
            {
                // Not fatal: /hello and /echo still serve; every file is 404 while it is missing.
                logger.LogWarning("Http:Root {Root} is not a directory: no static files are served", files.Root ?? "(not set)");
            }
            else
            {
                logger.LogInformation("Serving files from {Root}", files.Root);
            }

            return files;
        });
        builder.Services.AddSingleton<HttpRoutes>();
        builder.Services.AddInlineTcpServer<HttpHandler>(ServerName);
        return builder;
    }
}
