using System.Net;
using System.Net.Sockets;
using Chat;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Samples;

/// <summary>samples/Chat with real <c>nc</c> clients (netcat-openbsd), on both transports.</summary>
public sealed class ChatTests
{
    public static TheoryData<SynackTransport> Transports => new() { SynackTransport.Sockets, SynackTransport.Epoll };

    private static int Port(ChatRoom room) => ((IPEndPoint)room.Server.LocalEndPoints[0]).Port;

    /// <summary>Connects an nc client and renames it; returns it once its own rename was announced back to it.</summary>
    private static async Task<NetcatClient> JoinAsync(ChatRoom room, string nick)
    {
        NetcatClient client = NetcatClient.Connect(Port(room));
        string welcome = await client.ExpectAsync(l => l.StartsWith("* welcome, guest", StringComparison.Ordinal), "the welcome");
        string guest = welcome["* welcome, ".Length..welcome.IndexOf(':')];
        await client.SendAsync($"/nick {nick}");
        await client.ExpectAsync($"* {guest} is now {nick}");
        return client;
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task NcClientsChatByNicknameAndSeeEachOtherJoinRenameAndLeave(SynackTransport transport)
    {
        if (!NetcatClient.IsInstalled())
        {
            return;
        }

        await using ChatRoom room = ChatRoom.Start("127.0.0.1:0", o => o.Transport = transport);
        await using NetcatClient alice = await JoinAsync(room, "alice");
        await using NetcatClient bob = NetcatClient.Connect(Port(room));
        await alice.ExpectAsync(l => l.StartsWith("* guest", StringComparison.Ordinal) && l.EndsWith(" joined", StringComparison.Ordinal), "bob's arrival");
        await bob.ExpectAsync(l => l.StartsWith("* welcome", StringComparison.Ordinal), "the welcome");
        await bob.SendAsync("/nick bob");
        await alice.ExpectAsync(l => l.EndsWith(" is now bob", StringComparison.Ordinal), "bob's rename");

        await alice.SendAsync("hello bob");
        await bob.ExpectAsync("<alice> hello bob");
        await bob.SendAsync("/who");
        await bob.ExpectAsync("* here: alice, bob");
        await alice.SendAsync("/nick BOB");
        await alice.ExpectAsync("* BOB is taken"); // nicknames are unique whatever their case
        await alice.SendAsync("/nick no spaces!");
        await alice.ExpectAsync("* a nickname is 1 to 24 letters, digits, - or _");

        await bob.SendAsync("/quit");
        await bob.ExpectAsync("* bye");
        Assert.Equal(0, await bob.ExitedAsync()); // the server closed: nc ends by itself
        await alice.ExpectAsync("* bob left");
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task OneClientThatNeverReadsIsDisconnectedAndNeverStallsTheOthers(SynackTransport transport)
    {
        if (!NetcatClient.IsInstalled())
        {
            return;
        }

        await using ChatRoom room = ChatRoom.Start("127.0.0.1:0", o =>
        {
            o.Transport = transport;
            o.Connection.MaxPendingSendBytes = 64 * 1024;
            o.Connection.SendBufferSize = 16 * 1024; // small kernel buffers: the stuck client fills up after a few hundred KiB
        });
        await using NetcatClient alice = await JoinAsync(room, "alice");
        await using NetcatClient bob = await JoinAsync(room, "bob");
        using var stuck = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        await stuck.ConnectAsync(IPAddress.Loopback, Port(room)).WaitAsync(Loopback.Patience); // never reads
        string stuckJoined = await bob.ExpectAsync(l => l.StartsWith("* guest", StringComparison.Ordinal) && l.EndsWith(" joined", StringComparison.Ordinal), "the stuck client's arrival");
        string stuckNick = stuckJoined[2..^" joined".Length];
        Connection stuckOnServer = room.Server.Connections.Single(c => ((IPEndPoint)c.RemoteEndPoint).Port == ((IPEndPoint)stuck.LocalEndPoint!).Port);

        // 3,000 lines of 900 bytes (2.7 MB, far past what the stuck client's buffers and cap hold), 20 at a time: bob
        // gets every one, in order, while the stuck client fills up and is cut off. The window keeps bob (a reader that
        // keeps up) under the 64 KiB cap: a burst faster than nc reads would make him a slow consumer too.
        const int Lines = 3000, Window = 20;
        string filler = new('x', 880);
        var seen = new List<string>();
        string? left = null;
        for (int sent = 0; sent < Lines; sent += Window)
        {
            for (int i = sent; i < sent + Window; i++)
            {
                await alice.SendAsync($"{i:D5} {filler}");
            }

            while (seen.Count < sent + Window)
            {
                string line = await bob.NextAsync();
                if (line.StartsWith("<alice> ", StringComparison.Ordinal))
                {
                    seen.Add(line);
                }
                else if (line == $"* {stuckNick} left (too slow to keep up)")
                {
                    left = line;
                }
            }
        }

        Assert.All(seen.Select((line, i) => (line, i)), p => Assert.Equal($"<alice> {p.i:D5} {filler}", p.line));
        Assert.Equal(CloseReason.LimitExceeded, await stuckOnServer.ClosedWithin());
        left ??= await bob.ExpectAsync($"* {stuckNick} left (too slow to keep up)");
        Assert.NotNull(left);
    }
}
