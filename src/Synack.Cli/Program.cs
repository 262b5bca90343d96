using System.Runtime.InteropServices;
using Synack.Cli;
using Synack.Cli.Common;

// Ctrl-C and SIGTERM ask the running command to stop (serve drains, bench reports, connect closes); a second signal
// is not intercepted, so the process can always be ended.
using var stop = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    context.Cancel = !stop.IsCancellationRequested;
    stop.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
return await SynackCli.RunAsync(args, CliConsole.System, stop.Token);
