// A Redis-protocol (RESP2) key-value server on Synack, hosted by the .NET Generic Host. Configuration in
// appsettings.json (Synack:Servers:Resp), logs through ILogger, SIGTERM / Ctrl-C drains the connections.
//
//   dotnet run -c Release --project samples/RespServer
//   redis-cli -p 6380 SET greeting hello && redis-cli -p 6380 GET greeting
using Microsoft.Extensions.Hosting;
using RespServer;

using IHost host = RespApp.CreateBuilder(args).Build();
await host.RunAsync();
