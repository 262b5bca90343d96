using System.Buffers.Binary;
using System.Net.Sockets;

namespace Synack.Cli.Tests.Serve;

/// <summary>Issue 14: the limits <c>serve</c> applies are settable, visible in its log, and mean what its help says.</summary>
public sealed class ServeLimitsTests
{
    [Fact]
    public async Task PastMaxConnectionsAClientGetsFinAndTheRejectionsAreLoggedWithTheirCount()
    {
        await using var serve = await CliRunner.ServeAsync("echo", "--max-connections", "1");
        using Socket served = await Loopback.ConnectRawAsync(serve.EndPoint);
        await served.SendAsync("ping"u8.ToArray());
        Assert.Equal("ping"u8.ToArray(), await served.ReadExactlyAsync(4)); // admitted before the next ones arrive

        for (int i = 0; i < 2; i++)
        {
            using Socket turnedAway = await Loopback.ConnectRawAsync(serve.EndPoint);
            Assert.Empty(await turnedAway.ReadToEndAsync()); // FIN, no payload
        }

        // One line a second at most: the two may share a line or not, and the running total says both were counted.
        string line = await serve.Log.LineContaining("(2 in all)");
        Assert.Contains("at the limit of 1", line);

        await served.SendAsync("pong"u8.ToArray()); // the served client is unaffected
        Assert.Equal("pong"u8.ToArray(), await served.ReadExactlyAsync(4));
    }

    [Fact]
    public async Task MaxConnectionsZeroMeansNoLimitAndANegativeOneIsAUsageError()
    {
        await using (var serve = await CliRunner.ServeAsync("echo", "--max-connections", "0"))
        {
            using Socket first = await Loopback.ConnectRawAsync(serve.EndPoint);
            using Socket second = await Loopback.ConnectRawAsync(serve.EndPoint);
            foreach (Socket client in new[] { first, second })
            {
                await client.SendAsync("hi"u8.ToArray());
                Assert.Equal("hi"u8.ToArray(), await client.ReadExactlyAsync(2));
            }
        }

        CliResult refused = await CliRunner.RunAsync(["serve", "echo", "--max-connections", "-1", "--listen", "127.0.0.1:0"]);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("--max-connections", refused.Error);
    }

    // Issue 14, problem 2: the server-wide buffer budget, from the command line, pauses then sheds, and says so.
    [Fact]
    public async Task UnderASmallBufferBudgetServeLengthShedsAPeerStallingInsideAnAcceptedFrameAndLogsIt()
    {
        await using var serve = await CliRunner.ServeAsync("length", "--max-buffered-bytes", "65536");
        byte[] part = new byte[4 + (200 * 1024)];
        BinaryPrimitives.WriteInt32BigEndian(part, 512 * 1024); // an accepted header: the frame may be buffered whole
        using Socket stalling = await Loopback.ConnectRawAsync(serve.EndPoint);
        await stalling.SendAsync(part); // 200 KiB of a 512 KiB frame, then nothing: over the 64 KiB budget

        Assert.Contains("paused", await serve.Log.LineContaining("paused"));
        string shed = await serve.Log.LineContaining("shed");
        Assert.Contains("--max-buffered-bytes", shed);
        await Assert.ThrowsAsync<SocketException>(() => stalling.ReadToEndAsync()); // RST

        using Socket good = await Loopback.ConnectRawAsync(serve.EndPoint);
        byte[] frame = [0, 0, 0, 2, (byte)'h', (byte)'i'];
        await good.SendAsync(frame);
        Assert.Equal(frame, await good.ReadExactlyAsync(frame.Length));

        CliResult refused = await CliRunner.RunAsync(["serve", "echo", "--max-buffered-bytes", "100", "--listen", "127.0.0.1:0"]);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("--max-buffered-bytes", refused.Error);
    }

    // Issue 14, problem 4: the help says "max 1 MiB", and a 1 MiB body was refused because the header was counted.
    [Fact]
    public async Task ServeLengthEchoesABodyOfExactlyOneMebibyteAndResetsOneByteMore()
    {
        await using var serve = await CliRunner.ServeAsync("length");
        const int Max = 1024 * 1024;
        byte[] frame = new byte[4 + Max];
        BinaryPrimitives.WriteInt32BigEndian(frame, Max);
        new Random(14).NextBytes(frame.AsSpan(4));

        using (Socket client = await Loopback.ConnectRawAsync(serve.EndPoint))
        {
            await client.SendAsync(frame);
            Assert.Equal(frame, await client.ReadExactlyAsync(frame.Length));
        }

        using Socket tooLong = await Loopback.ConnectRawAsync(serve.EndPoint);
        byte[] header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, Max + 1);
        await tooLong.SendAsync(header); // the header alone is judged: no body needed
        var reset = await Assert.ThrowsAsync<SocketException>(() => tooLong.ReadToEndAsync());
        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
    }
}
