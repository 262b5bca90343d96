// A small HTTP/1.1 server on Synack, hosted by the .NET Generic Host: keep-alive and pipelining, static files from
// Http:Root, a fixed reply at /hello, an echo of the request body at POST /echo, strict limits (400/413/431/417, then
// close). Configuration in appsettings.json (Synack:Servers:Http, Http), logs through ILogger, SIGTERM / Ctrl-C drains.
//
//   dotnet run -c Release --project samples/HttpServer -- --Synack:Servers:Http:Listen:0=127.0.0.1:8080 --Http:Root=./www
//   curl http://127.0.0.1:8080/hello http://127.0.0.1:8080/index.html
using HttpServer;
using Microsoft.Extensions.Hosting;

using IHost host = HttpApp.CreateBuilder(args).Build();
await host.RunAsync();
