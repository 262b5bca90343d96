using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Synack.Client;
using Synack.Errors;

namespace Synack.Tests.Client;

public sealed class HappyEyeballsTests
{
    private static readonly TimeSpan Stagger = TimeSpan.FromMilliseconds(250);

    /// <summary>Scripted connects: each endpoint's attempt completes when the test says so.</summary>
    private sealed class Attempts
    {
        public readonly ConcurrentDictionary<IPEndPoint, TaskCompletionSource<Socket>> Pending = new();
        public readonly Channel<IPEndPoint> Started = Channel.CreateUnbounded<IPEndPoint>();
        public readonly ConcurrentBag<IPEndPoint> Cancelled = new();

        public Task<Socket> ConnectAsync(IPEndPoint endPoint, CancellationToken token)
        {
            var tcs = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
            token.Register(() =>
            {
                Cancelled.Add(endPoint);
                tcs.TrySetCanceled(token);
            });
            Pending[endPoint] = tcs;
            Started.Writer.TryWrite(endPoint);
            return tcs.Task;
        }
    }

    private static readonly IPEndPoint V6 = IPEndPoint.Parse("[2001:db8::1]:80");
    private static readonly IPEndPoint V4 = IPEndPoint.Parse("192.0.2.1:80");
    private static readonly IPEndPoint V4b = IPEndPoint.Parse("192.0.2.2:80");

    [Fact]
    public void AddressesAreInterleavedByFamilyStartingWithTheResolversFirstChoice()
    {
        var resolved = new[] { "2001:db8::1", "2001:db8::2", "192.0.2.1", "192.0.2.2", "192.0.2.1" }.Select(IPAddress.Parse);

        var ordered = HappyEyeballs.Interleave(resolved).Select(a => a.ToString());

        Assert.Equal(new[] { "2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2" }, ordered);
    }

    [Fact]
    public async Task TheNextAttemptStartsOnlyAfterTheStaggerWhileTheFirstIsPending()
    {
        var time = new FakeTimeProvider();
        var attempts = new Attempts();
        Task<Socket> race = HappyEyeballs.RaceAsync(new[] { V6, V4 }, Stagger, time, attempts.ConnectAsync, CancellationToken.None);

        Assert.Equal(V6, await attempts.Started.Reader.ReadAsync());
        time.Advance(Stagger - TimeSpan.FromMilliseconds(1));
        Assert.False(attempts.Started.Reader.TryRead(out _));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(V4, await attempts.Started.Reader.ReadAsync());

        using var winner = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        attempts.Pending[V4].SetResult(winner);

        Assert.Same(winner, await race.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(V6, attempts.Cancelled); // the loser is cancelled
    }

    [Fact]
    public async Task AFailedAttemptStartsTheNextOneWithoutWaitingForTheStagger()
    {
        var time = new FakeTimeProvider();
        var attempts = new Attempts();
        Task<Socket> race = HappyEyeballs.RaceAsync(new[] { V6, V4 }, Stagger, time, attempts.ConnectAsync, CancellationToken.None);

        Assert.Equal(V6, await attempts.Started.Reader.ReadAsync());
        attempts.Pending[V6].SetException(SocketErrors.FromSocketError(SocketError.NetworkUnreachable, "connect", null, V6));

        Assert.Equal(V4, await attempts.Started.Reader.ReadAsync()); // no time advanced
        using var winner = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        attempts.Pending[V4].SetResult(winner);
        Assert.Same(winner, await race.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task WhenEveryAttemptFailsTheFirstErrorIsReportedWithTheCount()
    {
        var time = new FakeTimeProvider();
        var attempts = new Attempts();
        Task<Socket> race = HappyEyeballs.RaceAsync(new[] { V4, V4b }, Stagger, time, attempts.ConnectAsync, CancellationToken.None);

        Assert.Equal(V4, await attempts.Started.Reader.ReadAsync());
        attempts.Pending[V4].SetException(SocketErrors.FromSocketError(SocketError.ConnectionRefused, "connect", null, V4));
        Assert.Equal(V4b, await attempts.Started.Reader.ReadAsync());
        attempts.Pending[V4b].SetException(SocketErrors.FromSocketError(SocketError.HostUnreachable, "connect", null, V4b));

        var error = await Assert.ThrowsAsync<SynackException>(() => race).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ErrorKind.Refused, error.Kind);
        Assert.Contains("all 2 addresses failed", error.Message);
    }
}
