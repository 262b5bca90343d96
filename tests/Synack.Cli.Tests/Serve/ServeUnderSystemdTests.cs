using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Synack.Cli.Tests.Infrastructure;

namespace Synack.Cli.Tests.Serve;

/// <summary>
/// <c>synack serve</c> as systemd runs it: on a listening socket it is handed (socket activation, <c>LISTEN_FDS</c>) and
/// telling a <c>Type=notify</c> unit when it is ready and when it stops (<c>NOTIFY_SOCKET</c>). A real child process each.
/// </summary>
public sealed class ServeUnderSystemdTests
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "Synack.Cli.dll");

    /// <summary>
    /// What systemd does between fork and exec, in python3 (on every machine of the project): the socket becomes descriptor
    /// 3, LISTEN_PID is the process that runs serve (exec keeps the pid), LISTEN_FDS counts one socket, named "echo".
    /// </summary>
    private const string Activate = """
        import os, sys
        fd = int(sys.argv[1])
        os.dup2(fd, 3)
        if fd != 3:
            os.close(fd)
        os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES="echo")
        os.execvp(sys.argv[2], sys.argv[2:])
        """;

    [Fact]
    public async Task ServeListensOnTheSocketSystemdHandedItAndServesAClientThatConnectedBeforeItStarted()
    {
        using var made = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        made.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        made.Listen(16);
        var endPoint = (IPEndPoint)made.LocalEndPoint!;
        int descriptor = (int)made.Handle;
        Assert.Equal(0, Fcntl(descriptor, FSetFd, 0)); // inheritable by the launcher (the runtime makes every descriptor close-on-exec)

        // Connected and sent before any server runs: the kernel queues it on the socket, nothing is refused.
        using Socket early = await Loopback.ConnectRawAsync(endPoint);
        await early.SendAsync("early"u8.ToArray());

        var start = new ProcessStartInfo("python3", ["-c", Activate, descriptor.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "dotnet", Cli, "serve", "echo", "--listen", "systemd:echo"]);
        using ServeProcess serve = await ServeProcess.StartAsync(start);
        Assert.Equal(endPoint, serve.EndPoint); // it listens where the socket was bound, not on a port of its own
        Assert.Equal("early"u8.ToArray(), await early.ReadExactlyAsync(5));

        using (Socket late = await Loopback.ConnectRawAsync(endPoint))
        {
            await late.SendAsync("late"u8.ToArray());
            Assert.Equal("late"u8.ToArray(), await late.ReadExactlyAsync(4));
        }

        early.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await serve.TerminateAsync());
    }

    [Fact]
    public async Task ServeWithSystemdButNoSocketsPassedFailsSayingWhy()
    {
        var start = new ProcessStartInfo("dotnet", [Cli, "serve", "echo", "--listen", "systemd:"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using Process serve = Process.Start(start)!;
        string error = await serve.StandardError.ReadToEndAsync().WaitAsync(Loopback.Patience);
        await serve.WaitForExitAsync().WaitAsync(Loopback.Patience);
        Assert.NotEqual(0, serve.ExitCode);
        Assert.Contains("systemd passed no sockets", error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServeTellsTheNotifySocketReadyOnceListeningAndStoppingWhenTheDrainStarts(bool abstractName)
    {
        string name = $"synack-notify-{Guid.NewGuid():N}";
        string path = Path.Combine(Path.GetTempPath(), name + ".sock");
        using var notifications = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notifications.Bind(new UnixDomainSocketEndPoint(abstractName ? "\0" + name : path));
        try
        {
            var start = new ProcessStartInfo("dotnet", [Cli, "serve", "echo", "--listen", "127.0.0.1:0"]);
            start.Environment["NOTIFY_SOCKET"] = abstractName ? "@" + name : path;
            using ServeProcess serve = await ServeProcess.StartAsync(start);

            Assert.Equal("READY=1", await ReceiveAsync(notifications));
            using (Socket client = await Loopback.ConnectRawAsync(serve.EndPoint)) // ready means it accepts
            {
                await client.SendAsync("ping"u8.ToArray());
                Assert.Equal("ping"u8.ToArray(), await client.ReadExactlyAsync(4));
            }

            Task<int> exited = serve.TerminateAsync();
            Assert.Equal("STOPPING=1", await ReceiveAsync(notifications));
            Assert.Equal(0, await exited);
            Assert.Contains("stopped:", serve.Log.Text);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<string> ReceiveAsync(Socket datagrams)
    {
        byte[] buffer = new byte[4096];
        int n = await datagrams.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(Loopback.Patience);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    private const int FSetFd = 2; // fcntl F_SETFD; flags 0 clears FD_CLOEXEC

#pragma warning disable SYSLIB1054 // DllImport: LibraryImport would need unsafe code in the test project for one call
    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int command, int argument);
#pragma warning restore SYSLIB1054
}
